// After `docker stats` printed no figures (a MEM USAGE / LIMIT of "0B / 0B": no limit is 0 where it measures), one line of Berth's in the learner's
// language saying why: a session's engine is rootless Docker without cgroups (it would need a cgroup v2
// hierarchy delegated to it), so it has nothing to measure its containers with. `docker top` and `docker
// ps` do work (native/session/runc-ps). Should an engine ever measure, its figures are not 0B and no line comes.
import type { Lang } from '@berth/shared';
import type { CommandEvent, CommandOutputObserver } from '../terminal/shell-integration.js';
import { CommandBudget } from '../terminal/command-budget.js';

const STATS_LINE = /\bdocker\s+(container\s+)?stats\b/;
/** CPU %, then MEM USAGE / LIMIT (NET I/O and BLOCK I/O can be 0B / 0B anywhere). */
const NO_FIGURES = /%\s+0B \/ 0B\s/;
/** Characters kept from one chunk for the next: a sign split between two is still seen. */
const TAIL = 40;
const STYLE = '\x1b[36m';
const RESET = '\x1b[0m';

/** Watches one shell. */
export class StatsNote implements CommandOutputObserver {
  private watching = false;
  private sawNoFigures = false;
  /** The end of the output so far, for a sign split across two chunks. */
  private tail = '';
  private atLineStart = true;
  /** A few lines a minute at most, however often stats is run. */
  private readonly budget: CommandBudget;

  constructor(
    private readonly lang: () => Lang,
    now: () => number = Date.now,
  ) {
    this.budget = new CommandBudget(3, 1 / 20, now);
  }

  started(line: string): void {
    this.watching = STATS_LINE.test(line);
    this.sawNoFigures = false;
    this.tail = '';
  }

  text(bytes: Buffer): void {
    if (!this.watching || !bytes.length) return;
    const text = bytes.toString('latin1');
    this.atLineStart = text.endsWith('\n');
    if (this.sawNoFigures) return;
    // One pass over the chunk (plus the few characters kept from the one before).
    const seen = this.tail + text;
    if (NO_FIGURES.test(seen)) this.sawNoFigures = true;
    this.tail = seen.slice(-TAIL);
  }

  ended(_e: CommandEvent): Buffer | undefined {
    const note = this.watching && this.sawNoFigures;
    this.watching = false;
    if (!note || !this.budget.take()) return undefined;
    return Buffer.from(`${this.atLineStart ? '' : '\r\n'}${STYLE}${statsNoteText(this.lang())}${RESET}\r\n`);
  }
}

export function statsNoteText(lang: Lang): string {
  if (lang === 'zh') {
    return 'Berth：这里 docker stats 显示不出数据：此会话的 Docker 引擎是无 root（rootless）模式，没有 cgroup 可用来计量容器的 CPU 和内存。docker top 和 docker ps 可以正常使用。';
  }
  return "Berth: docker stats has no figures here: this session's Docker engine runs rootless without cgroups, so it cannot measure its containers' CPU and memory. docker top and docker ps do work.";
}
