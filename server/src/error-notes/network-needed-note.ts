// After a Docker command whose container or build step failed to reach the internet while this host allows
// no downloads (BERTH_EGRESS=off): one line of Berth's in the learner's language. npm, pip, go, git and
// curl say it as a failed name lookup ("getaddrinfo ENOTFOUND", "Temporary failure in name resolution",
// "Could not resolve host"), which reads like a broken network; the line says what it means here and what
// works instead. A failed pull of an image (registry-1.docker.io) is the missing-image note's, not this one.
import type { Lang } from '@berth/shared';
import { CommandBudget } from '../terminal/command-budget.js';
import type { CommandEvent, CommandOutputObserver } from '../terminal/shell-integration.js';
import { noteBytes } from './note-style.js';
import { OutputLines } from '../terminal/output-lines.js';

/** What the tools print when a name does not resolve (each holds one of SIGN_WORDS). */
const SIGNS = [
  'ENOTFOUND', // npm, node
  'EAI_AGAIN', // npm, node
  'Temporary failure in name resolution', // pip, python
  'Temporary failure resolving', // apt
  'Could not resolve host', // curl, git
  'Could not resolve ', // apt
  'Name or service not known', // python
  'unable to resolve host address', // wget
  'no such host', // go
  'nodename nor servname', // other resolvers
];
/** Cheap words the lines above contain, for passing over output without any. */
const SIGN_WORDS = ['ENOTFOUND', 'EAI_AGAIN', 'resol', 'Name or service', 'no such host', 'servname'];

export class NetworkNeededNotes implements CommandOutputObserver {
  private lines: OutputLines | undefined;
  private seen = false;
  private build = false;
  private readonly budget: CommandBudget;

  constructor(
    private readonly lang: () => Lang,
    now: () => number = Date.now,
  ) {
    this.budget = new CommandBudget(undefined, undefined, now);
  }

  started(line: string): void {
    this.seen = false;
    this.build = /\bbuild\b/.test(line);
    // Only Docker's commands: the container or build ran the download (a `cat` of a saved log did not).
    this.lines = line.includes('docker') ? new OutputLines(SIGN_WORDS, (l) => this.read(l)) : undefined;
  }

  private read(line: string): void {
    if (line.includes('registry-1.docker.io')) return;
    if (SIGNS.some((s) => line.includes(s))) this.seen = true;
  }

  text(bytes: Buffer): void {
    this.lines?.push(bytes);
  }

  ended(e: CommandEvent): Buffer | undefined {
    const lines = this.lines;
    this.lines = undefined;
    if (!lines) return undefined;
    lines.finish();
    if (!this.seen || e.exit === 0 || !this.budget.take()) return undefined;
    return noteBytes([networkNeededText(this.lang(), this.build)], lines.atLineStart);
  }
}

export function networkNeededText(lang: Lang, build: boolean): string {
  if (lang === 'zh') {
    const what = build ? '这次构建的 RUN 步骤' : '容器里的命令';
    return `Berth：${what}想从互联网下载，但这台主机不允许任何下载（并不是你的网络坏了）。apt-get install 可以用（经 Berth 的软件包缓存）；其他文件请放进你的目录后用 COPY 复制进去。`;
  }
  const what = build ? 'A RUN step of this build' : 'The command in the container';
  return `Berth: ${what} tried to download from the internet, and this host allows no downloads (your network is fine). apt-get install works (through Berth's package cache); put other files in your folder and COPY them in instead.`;
}
