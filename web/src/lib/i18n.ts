// Every UI chrome string, in English and Chinese. Lesson texts come from the server in the chosen language.
import { END_REASON_TEXT, type EndReason, type HostPart, type Lang, type Level } from '@berth/shared';

const en = {
  langName: 'English',
  langLabel: 'English / 中文',
  skipToTerminal: 'Skip to the terminal',
  screenReaderMode: 'Screen reader mode',
  terminalText: 'Terminal text',
  smallerText: 'Smaller terminal text',
  largerText: 'Larger terminal text',
  textSize: (px: number) => `${px} px`,
  splitter: 'Width of the lesson beside the terminal',
  terminal: 'Terminal',
  leaveTerminal: 'Press Esc then Tab to leave the terminal',
  moreLines: (n: number) => `… and ${n} more ${n === 1 ? 'line' : 'lines'}: read them in the terminal.`,
  lessonPanel: 'Lesson',

  // session and status line
  start: 'Start',
  startLead: 'Your own Docker engine, one click away.',
  startHint: 'A fresh, isolated sandbox opens here in a few seconds.',
  startsFailing:
    'Sandboxes cannot start right now: the server has a problem its operator needs to fix. Berth keeps trying by itself, so please come back in a few minutes.',
  startNew: 'Start a new session',
  end: 'End session',
  ending: 'Ending…',
  restartShell: 'Restart shell',
  restartShellTitle: 'End this shell and everything started from it (a runaway loop); your files, images and containers stay',
  endConfirm: 'End and delete everything?',
  endConfirmDetail: 'Your containers, images and files in this sandbox are deleted.',
  endConfirmYes: 'Yes, end it',
  endConfirmCancel: 'Cancel',
  menu: 'More',
  menuTitle: 'Session actions and settings',
  dismiss: 'Dismiss',
  portsLabel: 'Open ports',
  portLinkTitle: (port: number) => `Open what listens on port ${port} in your session, in a new tab`,
  portLinkFailed: (port: number, why: string) => `Port ${port} could not be opened: ${why}`,
  portsCount: (n: number) => (n === 1 ? '1 port' : `${n} ports`),
  portsMore: (n: number) => (n === 1 ? '1 more open port' : `${n} more open ports`),
  statusIdle: 'Press Start to get a Docker engine of your own.',
  statusWord: { idle: '', queued: 'queued', starting: 'starting…', ready: 'ready', ended: 'ended' },
  openUntil: (time: string) => `, open until ${time}`,
  creating: 'creating your sandbox',
  connecting: 'connecting to your engine',
  serverRestarting: 'the Berth server is restarting: reconnecting by itself',
  waiting: 'waiting for your engine',
  engineRunning: 'your Docker engine is running',
  engineStarting: 'your engine is starting',
  sessionOver: 'the session is over',
  couldNotStart: 'could not start a session',
  noLongerExists: 'this session no longer exists',
  serverClosed: 'the server closed the terminal',
  disconnected: 'the terminal disconnected',
  couldNotEnd: (why: string) => `Could not end the session: ${why}`,
  endReason: END_REASON_TEXT as Record<EndReason, string>,
  /** A status-line fragment as a sentence of its own. */
  sentence: (text: string) => {
    const t = text.trim();
    return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
  },

  // durations
  countdown: (seconds: number) => {
    const s = Math.max(0, Math.round(seconds));
    return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
  },
  aboutMinutes: (seconds: number) => {
    const n = Math.ceil(seconds / 60);
    return seconds < 60 ? 'less than a minute' : `about ${n} ${n === 1 ? 'minute' : 'minutes'}`;
  },

  // queue
  waitingForSlot: 'waiting for a free sandbox',
  inLine: (n: number) => `number ${n} in line`,
  queueTitle: 'The sandbox host is full.',
  queuePlace: (n: number, eta: string) => `You are number ${n} in line; ${eta}.`,
  queueJoining: 'Finding your place in line…',
  queueHint: 'Keep this tab open: your sandbox starts here as soon as a place is free. “End session” leaves the line.',

  // time left and extension
  timeLeft: (seconds: number) => {
    if (seconds < 60) return 'less than 1 min left';
    const min = Math.round(seconds / 60);
    return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min left` : `${min} min left`;
  },
  timeLeftShort: (seconds: number) => {
    if (seconds < 60) return '<1 min';
    const min = Math.round(seconds / 60);
    return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60}` : `${min} min`;
  },
  secondsLeft: (duration: string) => `${duration} left`,
  endsAt: (time: string) => `The session ends at ${time}.`,
  extensionsLeft: (n: number) => (n === 1 ? 'It can be extended once more.' : `It can be extended ${n} more times.`),
  extend: 'Extend',
  extending: 'Extending…',
  extendTitle: 'Give this session more time',
  extended: (time: string) => `Extended: the session now ends at ${time}.`,
  couldNotExtend: (why: string) => `Could not extend: ${why}`,

  // warnings before an end
  warningExpiring: (left: string) => `Your session reaches its time limit in ${left}. Everything in it is then deleted.`,
  warningExpiringLast: 'Copy anything you want to keep.',
  warningIdle: (left: string) => `You have not typed for a while: your session ends in ${left}.`,
  warningIdleStay: 'Press any key in the terminal to stay.',

  // disk
  diskLabel: 'Disk',
  diskUse: (used: string, total: string) => `Disk ${used} / ${total} GB`,
  diskTitle: (percent: number) => `Your session's own disk is ${percent}% full.`,
  diskFull: (total: string) => `Your session used its ${total} GB of disk.`,
  diskFreeBefore: 'Free space with',
  diskFreeAfter: '(or delete files in your home).',
  // a part of the sandbox host down (the server's notice, in the page's language)
  hostDown: {
    engine: 'The sandbox host is restarting: your terminal stops answering for a moment and comes back when it is up.',
    mirror: "Berth's image mirror is not answering, so pulling an image (docker pull, or docker run of an image you do not have yet) fails for now. Berth is restarting it: try again in a few seconds.",
    packageCache: "Berth's package cache is not answering, so apt-get inside containers fails for now. Berth is restarting it: try again in a few seconds.",
  } as Record<HostPart, string>,

  // staff watching this terminal (read-only)
  watchedBy: (names: string) => `${names} (Berth staff) can see your terminal now, read-only: they cannot type in it.`,
  joinedBy: (names: string) => `${names} (Berth staff) joined your terminal: they see it and can type in it.`,
  recorded: (days: number) => `This terminal is recorded: what it shows and what you type are kept for ${days} days, and this site's staff can replay them.`,

  // end screen
  endedTitle: 'This session has ended',
  startFailedTitle: 'Could not start a session',
  endedKept: 'The sandbox and everything in it were deleted. Its last output stays above, so you can still copy from it.',
  network: 'Could not reach the Berth server. Check your network connection and try again.',
  somethingWrong: 'Something went wrong. Try again.',
  close: {
    closed: (why: string) => `The server closed the terminal${why}.`,
    unauthorized: (why: string) => `The server did not accept this session's token${why}. Start a new session.`,
    notFound: (why: string) => `This session no longer exists${why}. Start a new session.`,
    replaced: (why: string) => `This session's terminal was opened in another tab or window${why}.`,
    tooBig: (why: string) => `The terminal sent more data at once than the server accepts${why}.`,
    badMessage: (why: string) => `The server could not understand the terminal${why}. Reload the page and try again.`,
    restarting: 'The Berth server is restarting and did not come back within 2 minutes. Start a new session once it is back.',
    lost: (code: string) => `The connection to your sandbox was lost (code ${code}). Check your network and start a new session.`,
    failed: (code: string) => `Could not connect to the terminal (code ${code}). Check your network and try again.`,
  },

  // clipboard
  copied: 'Copied to the clipboard',
  copyFailed: 'The browser did not allow copying. Use its Copy menu instead.',
  pasteFailed: (key: string) => `The browser did not allow reading the clipboard. Press ${key}+V instead.`,

  // catalog
  welcomeTitle: 'Welcome aboard',
  welcomeText:
    'Berth gives you a real Docker engine of your own, in an isolated sandbox that nobody else can see. There is nothing to install: press Start and a shell opens in your browser.',
  lessonsTitle: 'Lessons',
  loadingLessons: 'Loading lessons…',
  noLessons: 'No lessons yet. The terminal is yours to explore.',
  level: { beginner: 'beginner', intermediate: 'intermediate', advanced: 'advanced' } as Record<Level, string>,
  minutes: (n: number) => `${n} min`,
  notStarted: 'not started',
  inProgress: (done: number, total: number) => `in progress ${done}/${total}`,
  lessonDone: 'done ✓',
  goodToKnow: 'Good to know',
  sandboxDeleted: 'Everything in the sandbox is deleted when the session ends.',
  copyPasteKeys:
    'Copy with Ctrl+Shift+C (or right-click a selection), paste with Ctrl+Shift+V or Ctrl+V. On a Mac, use Cmd+C and Cmd+V.',
  continueTitle: 'Continue where you left off',
  continueProgress: (done: number, total: number) => `${done} of ${total} steps done`,
  needsFirst: (titles: string) => `First: ${titles}`,

  // lesson view
  backToLessons: '← All lessons',
  loadingLesson: 'Loading the lesson…',
  retry: 'Try again',
  progressLabel: 'Lesson progress',
  progressText: (done: number, total: number) => `${done} of ${total} steps done`,
  stepsLabel: 'Steps',
  stepDone: 'done',
  stepOf: (n: number, total: number) => `Step ${n} of ${total}`,
  run: 'Run',
  copy: 'Copy',
  copiedShort: 'Copied',
  runNeedsSession: 'Start a session first: Run types into your terminal.',
  runTitle: 'Type these commands into the terminal and press Enter',
  startToRun: 'Press Start to get a terminal; then the Run buttons type commands into it.',
  showHint: 'Show a hint',
  hideHint: 'Hide the hint',
  showSolution: 'Show the solution',
  hideSolution: 'Hide the solution',
  solutionTitle: 'Solution',
  previous: '← Previous',
  next: 'Next →',
  skip: 'Skip this step',
  finish: 'Finish',
  stepTicked: 'Step done!',
  mistakeLabel: 'Not quite',
  syncFailed: (why: string) => `The server does not know which step you are on, so steps may not tick: ${why}`,
  progressFailed: (why: string) => `Could not load your progress: ${why}`,

  // finish page
  finishedTitle: (title: string) => `You finished “${title}”`,
  partlyFinished: (n: number) => `You skipped ${n === 1 ? 'one step' : `${n} steps`}. Go back to:`,
  nextLesson: (title: string) => `Next lesson: ${title} →`,
  lastLesson: 'That was the last lesson. The terminal is yours to keep exploring.',
  nextLessonTitle: 'Next lesson',
  reviewLesson: 'Read this lesson again',

  // key bar
  keyBar: 'Terminal keys',
  keys: { tab: 'Tab', ctrlC: 'Ctrl-C', up: 'Up', down: 'Down', left: 'Left', right: 'Right', esc: 'Esc' },
};

export type Messages = typeof en;

const zh: Messages = {
  langName: '中文',
  langLabel: 'English / 中文',
  skipToTerminal: '跳到终端',
  screenReaderMode: '读屏模式',
  terminalText: '终端字号',
  smallerText: '缩小终端文字',
  largerText: '放大终端文字',
  textSize: (px: number) => `${px} px`,
  splitter: '课程与终端之间的宽度',
  terminal: '终端',
  leaveTerminal: '先按 Esc 再按 Tab 可离开终端',
  moreLines: (n: number) => `……还有 ${n} 行，请在终端里阅读。`,
  lessonPanel: '课程',

  start: '开始',
  startLead: '属于你自己的 Docker 引擎，点一下就有。',
  startHint: '几秒钟后，这里会打开一个全新的、隔离的沙箱。',
  startsFailing: '沙箱现在无法启动：服务器出了问题，需要管理员处理。Berth 会一直自动重试，请过几分钟再来。',
  startNew: '开始新的会话',
  end: '结束会话',
  ending: '正在结束…',
  restartShell: '重启 Shell',
  restartShellTitle: '结束这个 Shell 及其启动的所有进程（例如失控的循环）；文件、镜像和容器都会保留',
  endConfirm: '结束并删除所有内容？',
  endConfirmDetail: '这个沙盒中的容器、镜像和文件都会被删除。',
  endConfirmYes: '确定结束',
  endConfirmCancel: '取消',
  menu: '更多',
  menuTitle: '会话操作与设置',
  dismiss: '关闭提示',
  portsLabel: '已开放端口',
  portLinkTitle: (port: number) => `在新标签页中打开会话里监听 ${port} 端口的服务`,
  portLinkFailed: (port: number, why: string) => `无法打开 ${port} 端口：${why}`,
  portsCount: (n: number) => `${n} 个端口`,
  portsMore: (n: number) => `另有 ${n} 个已开放端口`,
  statusIdle: '点“开始”，获得一个属于你的 Docker 引擎。',
  statusWord: { idle: '', queued: '排队中', starting: '启动中…', ready: '就绪', ended: '已结束' },
  openUntil: (time: string) => `，可用到 ${time}`,
  creating: '正在创建你的沙箱',
  connecting: '正在连接你的引擎',
  serverRestarting: 'Berth 服务器正在重启：会自动重新连接',
  waiting: '正在等待你的引擎',
  engineRunning: '你的 Docker 引擎正在运行',
  engineStarting: '你的引擎正在启动',
  sessionOver: '会话已结束',
  couldNotStart: '无法开始会话',
  noLongerExists: '这个会话已经不存在了',
  serverClosed: '服务器关闭了终端',
  disconnected: '终端连接已断开',
  couldNotEnd: (why: string) => `无法结束会话：${why}`,
  endReason: {
    expired: '会话已到时间上限',
    idle: '会话空闲太久',
    'ended-by-user': '你结束了会话',
    'ended-by-staff': '老师结束了会话',
    limit: '会话触及了资源上限',
    'host-restart': '沙箱主机重启了',
    'host-lost': '运行你沙箱的机器失去了响应',
    error: '沙箱出错了',
  },
  sentence: (text: string) => {
    const t = text.trim();
    return t + (/[。！？.!?]$/.test(t) ? '' : '。');
  },

  countdown: (seconds: number) => {
    const s = Math.max(0, Math.round(seconds));
    return s >= 60 ? `${Math.floor(s / 60)} 分 ${String(s % 60).padStart(2, '0')} 秒` : `${s} 秒`;
  },
  aboutMinutes: (seconds: number) => (seconds < 60 ? '不到一分钟' : `大约 ${Math.ceil(seconds / 60)} 分钟`),

  waitingForSlot: '正在等待空闲的沙箱',
  inLine: (n: number) => `排在第 ${n} 位`,
  queueTitle: '沙箱主机已满。',
  queuePlace: (n: number, eta: string) => `你排在第 ${n} 位，预计还要等${eta}。`,
  queueJoining: '正在为你排队…',
  queueHint: '请保持这个标签页打开：一有空位，你的沙箱就会在这里启动。点“结束会话”可以离开队列。',

  timeLeft: (seconds: number) => {
    if (seconds < 60) return '剩余不到 1 分钟';
    const min = Math.round(seconds / 60);
    return min >= 60 ? `剩余 ${Math.floor(min / 60)} 小时 ${min % 60} 分钟` : `剩余 ${min} 分钟`;
  },
  timeLeftShort: (seconds: number) => {
    if (seconds < 60) return '<1 分钟';
    const min = Math.round(seconds / 60);
    return min >= 60 ? `${Math.floor(min / 60)} 时 ${min % 60} 分` : `${min} 分钟`;
  },
  secondsLeft: (duration: string) => `剩余 ${duration}`,
  endsAt: (time: string) => `会话将在 ${time} 结束。`,
  extensionsLeft: (n: number) => `还可以延长 ${n} 次。`,
  extend: '延长',
  extending: '正在延长…',
  extendTitle: '给这个会话延长时间',
  extended: (time: string) => `已延长：会话将在 ${time} 结束。`,
  couldNotExtend: (why: string) => `无法延长：${why}`,

  warningExpiring: (left: string) => `你的会话将在 ${left}后到达时间上限，届时里面的一切都会被删除。`,
  warningExpiringLast: '请复制你想保留的内容。',
  warningIdle: (left: string) => `你有一阵子没有输入了：会话将在 ${left}后结束。`,
  warningIdleStay: '在终端里按任意键即可继续使用。',

  diskLabel: '磁盘',
  diskUse: (used: string, total: string) => `磁盘 ${used} / ${total} GB`,
  diskTitle: (percent: number) => `会话自己的磁盘已用 ${percent}%。`,
  diskFull: (total: string) => `你的会话已用完 ${total} GB 磁盘空间。`,
  diskFreeBefore: '可以运行',
  diskFreeAfter: '释放空间（或删除主目录里的文件）。',
  hostDown: {
    engine: '沙箱主机正在重启：终端会暂时没有响应，主机恢复后会自动回来。',
    mirror: 'Berth 的镜像缓存没有响应，拉取镜像（docker pull，或 docker run 一个本地没有的镜像）暂时会失败。Berth 正在重启它：请几秒后再试。',
    packageCache: 'Berth 的软件包缓存没有响应，容器里的 apt-get 暂时会失败。Berth 正在重启它：请几秒后再试。',
  },

  watchedBy: (names: string) => `${names}（Berth 工作人员）正在只读查看你的终端：对方不能在里面输入。`,
  joinedBy: (names: string) => `${names}（Berth 工作人员）加入了你的终端：对方能看到它，也能在里面输入。`,
  recorded: (days: number) => `这个终端正在被录制：它显示的内容和你输入的内容会保存 ${days} 天，本站工作人员可以回放。`,

  endedTitle: '会话已结束',
  startFailedTitle: '无法开始会话',
  endedKept: '沙箱和里面的一切都已删除。终端最后的输出还留在上面，你仍然可以从中复制。',
  network: '连不上 Berth 服务器。请检查网络后重试。',
  somethingWrong: '出了点问题，请重试。',
  close: {
    closed: (why: string) => `服务器关闭了终端${why}。`,
    unauthorized: (why: string) => `服务器不接受这个会话的令牌${why}。请开始新的会话。`,
    notFound: (why: string) => `这个会话已经不存在了${why}。请开始新的会话。`,
    replaced: (why: string) => `这个会话的终端在另一个标签页或窗口中打开了${why}。`,
    tooBig: (why: string) => `终端一次发送的数据超过了服务器的上限${why}。`,
    badMessage: (why: string) => `服务器无法理解终端发来的数据${why}。请刷新页面重试。`,
    restarting: 'Berth 服务器正在重启，2 分钟内没有恢复。请在它恢复后开始新的会话。',
    lost: (code: string) => `与沙箱的连接断开了（代码 ${code}）。请检查网络，然后开始新的会话。`,
    failed: (code: string) => `无法连接到终端（代码 ${code}）。请检查网络后重试。`,
  },

  copied: '已复制到剪贴板',
  copyFailed: '浏览器不允许复制，请使用浏览器的“复制”菜单。',
  pasteFailed: (key: string) => `浏览器不允许读取剪贴板，请改按 ${key}+V。`,

  welcomeTitle: '欢迎上船',
  welcomeText: 'Berth 给你一个真正属于你自己的 Docker 引擎，运行在别人看不到的隔离沙箱里。什么都不用安装：点“开始”，浏览器里就会打开一个 shell。',
  lessonsTitle: '课程',
  loadingLessons: '正在加载课程…',
  noLessons: '暂时还没有课程，终端随你探索。',
  level: { beginner: '入门', intermediate: '进阶', advanced: '高级' },
  minutes: (n: number) => `${n} 分钟`,
  notStarted: '未开始',
  inProgress: (done: number, total: number) => `进行中 ${done}/${total}`,
  lessonDone: '已完成 ✓',
  goodToKnow: '小贴士',
  sandboxDeleted: '会话结束后，沙箱里的一切都会被删除。',
  copyPasteKeys: '复制用 Ctrl+Shift+C（或右键点击选中的文字），粘贴用 Ctrl+Shift+V 或 Ctrl+V。Mac 上用 Cmd+C 和 Cmd+V。',
  continueTitle: '从上次离开的地方继续',
  continueProgress: (done: number, total: number) => `已完成 ${done}/${total} 步`,
  needsFirst: (titles: string) => `先学：${titles}`,

  backToLessons: '← 全部课程',
  loadingLesson: '正在加载课程…',
  retry: '重试',
  progressLabel: '课程进度',
  progressText: (done: number, total: number) => `已完成 ${done}/${total} 步`,
  stepsLabel: '步骤',
  stepDone: '已完成',
  stepOf: (n: number, total: number) => `第 ${n} 步，共 ${total} 步`,
  run: '运行',
  copy: '复制',
  copiedShort: '已复制',
  runNeedsSession: '请先开始会话：“运行”会把命令输入到你的终端里。',
  runTitle: '把这些命令输入终端并回车',
  startToRun: '点“开始”获得终端，之后“运行”按钮会把命令输入进去。',
  showHint: '看提示',
  hideHint: '收起提示',
  showSolution: '看答案',
  hideSolution: '收起答案',
  solutionTitle: '答案',
  previous: '← 上一步',
  next: '下一步 →',
  skip: '跳过这一步',
  finish: '完成',
  stepTicked: '这一步完成了！',
  mistakeLabel: '差一点',
  syncFailed: (why: string) => `服务器不知道你在哪一步，步骤可能不会自动打勾：${why}`,
  progressFailed: (why: string) => `无法加载你的学习进度：${why}`,

  finishedTitle: (title: string) => `你完成了“${title}”`,
  partlyFinished: (n: number) => `你跳过了 ${n} 步，可以回去看看：`,
  nextLesson: (title: string) => `下一课：${title} →`,
  lastLesson: '这是最后一课了。终端还在，继续随意探索吧。',
  nextLessonTitle: '下一课',
  reviewLesson: '重新阅读这一课',

  keyBar: '终端按键',
  keys: { tab: 'Tab', ctrlC: 'Ctrl-C', up: '上', down: '下', left: '左', right: '右', esc: 'Esc' },
};

const dictionaries: Record<Lang, Messages> = { en, zh };

export function messages(lang: Lang): Messages {
  return dictionaries[lang];
}

/** A piece of UI text decided now but worded later, so it follows a language switch. */
export type Text = (m: Messages) => string;
