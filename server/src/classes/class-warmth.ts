// A class getting ready: the teacher asks for its sandboxes before the students arrive, and the warm pool
// grows by the seats not yet taken, until the class closes, is full or is ended. Kept in memory: after a
// restart the teacher asks again.
import type { ClassRow } from './class-store.js';

export class ClassWarmth {
  /** The rows as they were when the teacher asked: the pool asks for its demand synchronously, and a class's capacity and closing time never change. */
  private readonly warming = new Map<string, ClassRow>();

  /** `seatsLeft`: the class's capacity less its students working now; null once it is closed. */
  constructor(private readonly seatsLeft: (row: ClassRow) => number | null) {}

  set(row: ClassRow, on: boolean): void {
    if (on) this.warming.set(row.id, row);
    else this.warming.delete(row.id);
  }

  isOn(classId: string): boolean {
    return this.warming.has(classId);
  }

  /** Sandboxes wanted beyond the pool's own size: every getting-ready class's free seats. */
  demand(): number {
    let wanted = 0;
    for (const [id, row] of this.warming) {
      const left = this.seatsLeft(row);
      if (left === null) this.warming.delete(id);
      else wanted += left;
    }
    return wanted;
  }
}
