// What the learner is told, in their language, when no lesson text says it: a goal Check my work found
// unmet, a failing command no known mistake matched, earlier steps that could not be redone.
import type { Lang } from '@berth/shared';
import type { CommandEvent } from '../terminal/shell-integration.js';
import type { Goal, Step } from './lesson.js';

/** Exit statuses that say nothing about a mistake: Ctrl-C (130), Ctrl-Z (148), a closed pipe (141). */
const NOT_A_FAILURE = new Set([0, 130, 141, 148]);

/** The sentence for an unmet goal: the lesson's own `explain`, else one built from the step's solution. */
export function unmetGoalText(goal: Goal, step: Step, lang: Lang): string {
  if (goal.explain) return goal.explain[lang];
  if (goal.type === 'ran') {
    const example = step.solution.find((cmd) => goal.pattern.test(cmd));
    if (lang === 'zh') return example ? `这一步里还没有运行过 ${example}（或类似的命令）。` : '这一步要求运行的命令还没有运行过：看看提示。';
    return example ? `You have not run ${example} (or a command like it) in this step yet.` : 'You have not run the command this step asks for yet: the hint says which.';
  }
  return lang === 'zh'
    ? '你的沙箱还不是这一步要求的状态：再读一遍这一步的说明，或者看看提示。'
    : 'Your sandbox is not yet in the state this step asks for: read the step again, or open the hint.';
}

/** For a step met already when it opened. */
export const alreadyMetText = (lang: Lang): string =>
  lang === 'zh'
    ? '你打开这一步时，沙箱就已经是这一步要求的状态了，所以这一步不会自动打勾：按这一步的说明做一遍，或者跳过它。'
    : 'Your sandbox was already like this when you opened the step, so it does not tick by itself: do what the step says, or Skip it.';

/** A line for the latest failing command among `cmds`, when none matched a known mistake. */
export function failedCommandText(cmds: CommandEvent[], lang: Lang): string | undefined {
  const last = cmds.at(-1);
  if (!last || NOT_A_FAILURE.has(last.exit)) return undefined;
  if (last.exit === 127) {
    return lang === 'zh'
      ? 'shell 找不到这个命令（退出码 127）：检查一下拼写，命令都是小写的，比如 docker。'
      : 'The shell found no such command (exit 127): check its spelling; commands here are lower case, like docker.';
  }
  return lang === 'zh'
    ? `这条命令失败了（退出码 ${last.exit}）。终端里它上方的报错说明了原因；这一步的提示和答案也能帮上忙。`
    : `That command failed (exit ${last.exit}). Its error message just above in the terminal says why; the step's hint and solution can help.`;
}

export const catchUpFailedText = (stepId: string, status: number, lang: Lang): string =>
  lang === 'zh'
    ? `这个沙箱是新的，Berth 想先替你做完前面的步骤，但步骤 "${stepId}" 失败了（退出码 ${status}）：这一步要用到的东西可能还不在。`
    : `This sandbox is new, and Berth could not redo the earlier steps in it (step "${stepId}" failed, exit ${status}): what this step uses may be missing.`;
