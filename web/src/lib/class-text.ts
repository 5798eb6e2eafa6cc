// The student's class page words, in English and Chinese.
import type { Lang } from '@berth/shared';

const en = {
  title: 'Your class',
  yourName: 'Your name (your teacher sees it)',
  join: 'Join the class',
  lessons: 'Lessons in this class',
  minutes: (n: number) => `Each sandbox lasts ${n} minutes; your teacher can give the class more.`,
  loading: 'Loading the class…',
  closed: 'This class is closed: it no longer takes students.',
  full: 'This class is full. Ask your teacher.',
  needName: 'Type your name first, so your teacher knows who you are.',
  teacherSays: (from: string) => `${from} says:`,
  close: 'Close',
};

const zh: typeof en = {
  title: '你的班级',
  yourName: '你的名字（老师会看到）',
  join: '加入班级',
  lessons: '本班的课程',
  minutes: (n: number) => `每个沙盒可用 ${n} 分钟；老师可以为全班延长时间。`,
  loading: '正在加载班级…',
  closed: '这个班级已关闭，不再接收学生。',
  full: '这个班级已满。请联系老师。',
  needName: '请先输入你的名字，让老师知道你是谁。',
  teacherSays: (from: string) => `${from}：`,
  close: '关闭',
};

export const classText = (lang: Lang) => (lang === 'zh' ? zh : en);
