// The staff pages' words, in English and Chinese.
import type { Lang, StaffRole } from '@berth/shared';

const en = {
  title: 'Berth for staff',
  intro: 'Teachers and interviewers sign in here. Learners and candidates never need an account.',
  email: 'Email',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  signedInAs: (name: string, role: StaffRole) => `Signed in as ${name} (${en.roles[role]})`,
  roles: { admin: 'admin', teacher: 'teacher', interviewer: 'interviewer' } as Record<StaffRole, string>,
  accounts: 'Staff accounts',
  name: 'Name',
  role: 'Role',
  created: 'Created',
  newAccount: 'New account',
  newPassword: 'Password (12 characters or more)',
  create: 'Create account',
  createdOne: (email: string) => `Account ${email} created.`,
  adminsOnHost: 'Admins are made on the host: npx berth admin create --email … --name …',
  comingSoon: 'Classes and interviews open here once they are set up.',
  back: 'Back to the lessons',
};

const zh: typeof en = {
  title: 'Berth 教师与面试官入口',
  intro: '教师和面试官在这里登录。学习者和候选人不需要账号。',
  email: '邮箱',
  password: '密码',
  signIn: '登录',
  signingIn: '正在登录…',
  signOut: '退出登录',
  signedInAs: (name, role) => `已登录：${name}（${zh.roles[role]}）`,
  roles: { admin: '管理员', teacher: '教师', interviewer: '面试官' },
  accounts: '工作人员账号',
  name: '姓名',
  role: '角色',
  created: '创建时间',
  newAccount: '新建账号',
  newPassword: '密码（至少 12 个字符）',
  create: '创建账号',
  createdOne: (email) => `已创建账号 ${email}。`,
  adminsOnHost: '管理员账号在服务器上创建：npx berth admin create --email … --name …',
  comingSoon: '班级和面试功能设置好之后会出现在这里。',
  back: '返回课程',
};

export const staffText = (lang: Lang) => (lang === 'zh' ? zh : en);
