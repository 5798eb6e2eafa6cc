// Deciding whether a step's goals are met. Knows nothing of Docker: checks run through `exec`.
import type { CommandEvent } from '../terminal/shell-integration.js';
import type { Goal, Mistake, Step } from './lesson.js';

/** Runs a script in the learner's sandbox as the learner; resolves to its exit status. */
export type ScriptRunner = (script: string, timeoutMs: number) => Promise<number>;

export type RanGoal = Extract<Goal, { type: 'ran' }>;

/** Does this one command meet the ran goal? (Linear in the line: see linear-pattern.ts.) */
export function ranGoalMetBy(goal: RanGoal, cmd: CommandEvent): boolean {
  return (goal.exit === 'any' || cmd.exit === goal.exit) && goal.pattern.test(cmd.line);
}

/**
 * All goals met? `ranMet` holds the ran goals that a command since the step began met (each command
 * is matched once, when it runs, so a step's work grows with its commands, not with their square);
 * `check` goals run now.
 */
export async function goalsMet(step: Step, ranMet: ReadonlySet<Goal>, run: ScriptRunner): Promise<boolean> {
  for (const goal of step.goals) {
    if (goal.type === 'ran' && !ranMet.has(goal)) return false;
  }
  // Checks run side by side: the verdict waits for the slowest one, not for their sum.
  const checks = step.goals.filter((g) => g.type === 'check');
  const results = await Promise.all(checks.map((g) => run(g.script, g.timeoutMs)));
  return results.every((status) => status === 0);
}

/** The goals not met now, in the step's order (checks run side by side). */
export async function unmetGoals(step: Step, ranMet: ReadonlySet<Goal>, run: ScriptRunner): Promise<Goal[]> {
  const results = await Promise.all(step.goals.map(async (g) => (g.type === 'ran' ? ranMet.has(g) : (await run(g.script, g.timeoutMs)) === 0)));
  return step.goals.filter((_, i) => !results[i]);
}

/**
 * Runs a step's check goals once, for what they wait for, after its work was done quietly (Skip, a catch-up):
 * a server its solve started answers before the next step's first command, as it does when the learner's own
 * commands ticked the step (ports/run-redis waits for redis to answer). Whether they are met is not asked.
 */
export async function settleChecks(step: Step, run: ScriptRunner): Promise<void> {
  await Promise.all(step.goals.map((g) => (g.type === 'check' ? run(g.script, g.timeoutMs) : 0)));
}

export function matchMistake(step: Step, line: string): Mistake | undefined {
  return step.mistakes.find((m) => m.pattern.test(line));
}
