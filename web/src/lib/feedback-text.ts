// The feedback bar's own words, in English and Chinese (lesson texts and verdicts come from the server).
import type { Lang } from '@berth/shared';

const en = {
  barLabel: 'Lesson feedback',
  mistake: 'Not quite',
  failed: 'That did not work',
  tick: 'Step done.',
  tickReadOn: 'Read on in the lesson, then press Next (or run the next step’s command).',
  notYet: 'Not yet, because…',
  already: 'Nothing to check yet',
  met: 'All done: the step ticked.',
  checkMyWork: 'Check my work',
  checking: 'Checking…',
  checkTitle: 'Run this step’s checks now and say what is missing',
  skipping: 'Skipping…',
  skipped: (title: string) => `Skipped “${title}”: Berth did its work in your sandbox, so the next steps find what they need. It is not marked done.`,
  preparing: 'Preparing this step in your sandbox…',
  busy: (command: string) =>
    `Run did not type anything: “${command}” is still running in the terminal. Wait until it finishes, or press Ctrl+C in the terminal to stop it, then press Run again.`,
  couldNot: (why: string) => `Could not do that: ${why}`,
  dismiss: 'Dismiss',
};

const zh: typeof en = {
  barLabel: '课程反馈',
  mistake: '还差一点',
  failed: '这条命令没有成功',
  tick: '这一步完成了。',
  tickReadOn: '接着读完课程里的说明，然后点“下一步”（或者直接运行下一步的命令）。',
  notYet: '还没完成，因为……',
  already: '现在还没什么可检查的',
  met: '全部完成：这一步打勾了。',
  checkMyWork: '检查我的操作',
  checking: '正在检查……',
  checkTitle: '现在运行这一步的检查，并说明还缺什么',
  skipping: '正在跳过……',
  skipped: (title: string) => `已跳过“${title}”：Berth 已经在你的沙箱里替你做完了这一步，后面的步骤能找到它们需要的东西。这一步不算完成。`,
  preparing: '正在你的沙箱里准备这一步……',
  busy: (command: string) => `“运行”没有输入任何内容：终端里的“${command}”还在运行。等它结束，或者在终端里按 Ctrl+C 停止它，然后再点“运行”。`,
  couldNot: (why: string) => `没能完成：${why}`,
  dismiss: '关闭',
};

export type FeedbackText = typeof en;
export const feedbackText = (lang: Lang): FeedbackText => (lang === 'zh' ? zh : en);
