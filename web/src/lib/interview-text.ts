// The candidate page's words, in English and Chinese.
import type { Lang } from '@berth/shared';

const en = {
  title: 'Your interview',
  hello: (name: string) => `Hello, ${name}.`,
  task: 'Your task',
  lessonTask: (lesson: string) => `Work through the lesson "${lesson}" in the terminal; its steps are checked as you go.`,
  time: (minutes: number) => `You have ${minutes} minutes from the moment you press Start. The time left is shown at the top; at the end the session closes by itself.`,
  checks: 'What will be checked in your sandbox (after each command you run):',
  recorded: 'Everything in the terminal is recorded (what is typed and shown, and which commands were pasted) for your interviewer to replay. Nothing outside this page is.',
  handIn: 'Finished early? End the session (the End button) to hand in: it cannot be reopened.',
  loading: 'Loading the interview…',
  working: 'This interview has been started. If this is not the browser it was started in, ask your interviewer.',
  done: 'This interview is over and has been handed in. Thank you!',
  expired: 'This interview link has expired. Ask your interviewer for a new one.',
};

const zh: typeof en = {
  title: '你的面试',
  hello: (name: string) => `${name}，你好。`,
  task: '你的任务',
  lessonTask: (lesson: string) => `在终端中完成课程“${lesson}”；每一步会在你操作时自动检查。`,
  time: (minutes: number) => `从按下“开始”起，你有 ${minutes} 分钟。剩余时间显示在页面顶部；时间到后会话会自动结束。`,
  checks: '会在你的沙盒里检查的内容（你每运行完一条命令检查一次）：',
  recorded: '终端中的一切都会被录制（输入与输出，以及哪些命令是粘贴的），供面试官回放。此页面之外的内容不会被录制。',
  handIn: '提前完成？结束会话（“结束”按钮）即为提交，提交后无法再打开。',
  loading: '正在加载面试…',
  working: '这场面试已经开始。如果这不是开始面试时使用的浏览器，请联系面试官。',
  done: '这场面试已经结束并提交。谢谢！',
  expired: '这个面试链接已过期。请向面试官索取新的链接。',
};

export const interviewText = (lang: Lang) => (lang === 'zh' ? zh : en);
