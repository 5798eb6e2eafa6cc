// Deciding whether a step's goals are met. Knows nothing of Docker: checks run through `exec`.
import type { CommandEvent } from '../terminal/shell-integration.js';
import type { Goal, Mistake, Step } from './lesson.js';

/** Runs a script in the learner's sandbox as the learner; resolves to its exit status. */
export type ScriptRunner = (script: string, timeoutMs: number) => Promise<number>;

export function ranGoalMet(goal: Extract<Goal, { type: 'ran' }>, commands: CommandEvent[]): boolean {
  return commands.some((c) => goal.pattern.test(c.line) && (goal.exit === 'any' || c.exit === goal.exit));
}

/** All goals met? `ran` goals look at the commands run since the step began; `check` goals run now. */
export async function goalsMet(step: Step, commands: CommandEvent[], run: ScriptRunner): Promise<boolean> {
  for (const goal of step.goals) {
    if (goal.type === 'ran' && !ranGoalMet(goal, commands)) return false;
  }
  // Checks run side by side: the verdict waits for the slowest one, not for their sum.
  const checks = step.goals.filter((g) => g.type === 'check');
  const results = await Promise.all(checks.map((g) => run(g.script, g.timeoutMs)));
  return results.every((status) => status === 0);
}

export function matchMistake(step: Step, line: string): Mistake | undefined {
  return step.mistakes.find((m) => m.pattern.test(line));
}
