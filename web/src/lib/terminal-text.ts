// The words of terminal tabs, a session found again, a lost connection and the history download, in
// English and Chinese (kept apart from i18n.ts, which every part of the page shares).
import { MAX_TERMINALS, type Lang } from '@berth/shared';

const en = {
  tabsLabel: 'Terminals',
  tabName: (index: number) => (index === 0 ? 'Terminal 1' : `Terminal ${index + 1}`),
  newTab: 'New terminal',
  newTabTitle: 'Open another shell in the same sandbox (for example docker logs -f in one, curl in the other)',
  closeTab: (name: string) => `Close ${name} (ends its shell)`,
  tabLimit: `A session has at most ${MAX_TERMINALS} terminals: close one to open another.`,
  watching: 'This session is open in another tab of this browser: you are watching it here, read-only.',
  takeOver: 'Use it here',
  takenOver: 'This session was taken over by another tab of this browser.',
  takeBack: 'Take it back',
  connectionLost: 'Connection lost: Berth cannot reach the server. Your sandbox keeps running; reconnecting by itself…',
  reconnected: 'Connected again.',
  copyLink: 'Copy session link',
  copyLinkTitle: 'A link that reopens this session in any tab of this browser (in another browser it opens nothing)',
  linkCopied: 'Session link copied: it opens this session in this browser only.',
  continueLead: 'Your session is still running.',
  continueSession: 'Continue your session',
  orStartNew: 'or start a new one below.',
  unknownAddress: 'This session link opens nothing here: its session ended, or it belongs to another browser (a link never hands a sandbox over).',
  downloadHistory: (n: number) => `Download command history (${n} ${n === 1 ? 'command' : 'commands'})`,
};

const zh: typeof en = {
  tabsLabel: '终端',
  tabName: (index: number) => `终端 ${index + 1}`,
  newTab: '新终端',
  newTabTitle: '在同一个沙箱里再开一个 Shell（例如一个运行 docker logs -f，另一个运行 curl）',
  closeTab: (name: string) => `关闭${name}（结束它的 Shell）`,
  tabLimit: `一个会话最多有 ${MAX_TERMINALS} 个终端：关闭一个才能再开一个。`,
  watching: '这个会话已在本浏览器的另一个标签页中打开：你在这里只能查看，不能输入。',
  takeOver: '在这里使用',
  takenOver: '这个会话已被本浏览器的另一个标签页接管。',
  takeBack: '拿回来',
  connectionLost: '连接已断开：Berth 无法连接到服务器。你的沙箱仍在运行，正在自动重连……',
  reconnected: '已重新连接。',
  copyLink: '复制会话链接',
  copyLinkTitle: '这个链接可以在本浏览器的任何标签页中重新打开这个会话（在其他浏览器中什么也打不开）',
  linkCopied: '会话链接已复制：它只能在本浏览器中打开这个会话。',
  continueLead: '你的会话仍在运行。',
  continueSession: '继续你的会话',
  orStartNew: '或者在下面开始一个新会话。',
  unknownAddress: '这个会话链接在这里打不开：它的会话已结束，或者属于另一个浏览器（链接绝不会交出沙箱）。',
  downloadHistory: (n: number) => `下载命令历史（${n} 条命令）`,
};

export type TerminalText = typeof en;

export function terminalText(lang: Lang): TerminalText {
  return lang === 'zh' ? zh : en;
}
