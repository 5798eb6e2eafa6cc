// What a class's dashboard shows beyond saved progress and the terminals' command history, followed from
// its students' session events: the mistakes each made (and which are the most common in the class). Kept in
// memory, bounded by the live class sessions.
import type { ServerEvent } from '@berth/shared';

interface StudentActivity {
  mistakes: number;
}

/** Mistake texts counted per class; past this many distinct ones, new texts are not counted. */
const MAX_DISTINCT_MISTAKES = 200;

export class ClassActivity {
  private readonly students = new Map<string, StudentActivity>();
  private readonly mistakes = new Map<string, Map<string, number>>();

  /** An event of a session of class `classId`. */
  observe(classId: string, sessionId: string, event: ServerEvent): void {
    const a = this.of(sessionId);
    if (event.type === 'step' && !event.done && event.kind === 'mistake' && event.message) {
      a.mistakes++;
      const counts = this.mistakes.get(classId) ?? new Map<string, number>();
      this.mistakes.set(classId, counts);
      if (counts.has(event.message) || counts.size < MAX_DISTINCT_MISTAKES) counts.set(event.message, (counts.get(event.message) ?? 0) + 1);
    }
    if (event.type === 'status' && event.state === 'ended') this.students.delete(sessionId);
  }

  student(sessionId: string): StudentActivity | undefined {
    return this.students.get(sessionId);
  }

  commonMistakes(classId: string, top = 5): { message: string; times: number }[] {
    return [...(this.mistakes.get(classId) ?? new Map<string, number>())]
      .map(([message, times]) => ({ message, times }))
      .sort((x, y) => y.times - x.times)
      .slice(0, top);
  }

  private of(sessionId: string): StudentActivity {
    let a = this.students.get(sessionId);
    if (!a) this.students.set(sessionId, (a = { mistakes: 0 }));
    return a;
  }
}
