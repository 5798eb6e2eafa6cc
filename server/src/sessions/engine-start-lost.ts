// A sandbox's prompt comes before its engine answers (the early prompt): from then on the sandbox is the
// visitor's, and what they type can stop its engine from starting. Filling their disk before the engine has
// written its own state is enough ("no space left on device"). That is not a failing host: counted as one,
// two visitors doing it in a row would make Start refuse everyone, and the operator's log would blame the
// host's data disk. So such a start (the runtime says DiskFilledWhileStarting) ends that session alone,
// saying why, and is not counted among failed starts.
import type { Lang } from '@berth/shared';
import { formatSize } from '../config.js';

/** What the visitor reads when their filled disk stopped their engine's start (the session's end message). */
export function diskFilledAtStartText(totalBytes: number, lang: Lang = 'en'): string {
  const size = formatSize(totalBytes);
  return lang === 'zh'
    ? `会话的 Docker 引擎还在启动时，会话的磁盘（${size}）就被写满了，引擎因此无法启动，这个会话只能结束。新的会话会从头开始；请等 docker 命令能用之后再写大文件。`
    : `This session's disk (${size}) filled up while its Docker engine was still starting, so the engine could not start and the session had to end. A new session starts clean; write big files once docker answers.`;
}
