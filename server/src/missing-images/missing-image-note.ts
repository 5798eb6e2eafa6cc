// After a command that failed to pull an image the mirror lacks (`docker pull alpine`, `docker run
// nginx:alpine`, a build `FROM node:18-alpine`), one line of Berth's in the learner's language, printed
// where the command's end mark was: below Docker's own error, above the next prompt. Docker's error reads
// as a failed lookup of Docker Hub ("no such host"), which a beginner takes for a broken network; the line
// says what it means here and which image to use instead. Nothing in the session changes: the command, its
// exit status, its terminal and signals are the shell's own.
import type { Lang } from '@berth/shared';
import type { CommandEvent, CommandOutputObserver } from '../terminal/shell-integration.js';
import { CommandBudget } from '../terminal/command-budget.js';
import { DockerErrorScan } from './docker-error-scan.js';
import { displayName, hubImage, pulledRefs, sameImage, type HubImage } from './image-ref.js';
import type { MirrorCatalog } from './mirror-catalog.js';
import { has, nearestImage, type Nearest } from './nearest-image.js';

/** Lines for one command at most (a line may name several images). */
const MAX_NOTES = 3;
/** Images listed when nothing near is found. */
const MAX_LISTED = 12;
const STYLE = '\x1b[36m';
const RESET = '\x1b[0m';

/** Watches one shell. */
export class MissingImageNotes implements CommandOutputObserver {
  private scan: DockerErrorScan | undefined;
  /** A visitor printing fake errors and end marks in a loop gets no more lines than a person could read. */
  private readonly budget: CommandBudget;

  constructor(
    private readonly catalog: MirrorCatalog,
    /** The learner's language now (it may change during the session). */
    private readonly lang: () => Lang,
    now: () => number = Date.now,
  ) {
    this.budget = new CommandBudget(undefined, undefined, now);
  }

  started(line: string): void {
    // Only Docker's own commands are read: a `cat` or `grep` of a saved error is not a failed pull.
    this.scan = line.includes('docker') ? new DockerErrorScan() : undefined;
    if (this.scan) void this.catalog.freshen();
  }

  text(bytes: Buffer): void {
    this.scan?.push(bytes);
  }

  ended(e: CommandEvent): Buffer | undefined {
    const scan = this.scan;
    this.scan = undefined;
    if (!scan) return undefined;
    scan.finish();
    if (!scan.pullFailed) return undefined;
    const mirror = this.catalog.current;
    if (!mirror) {
      void this.catalog.freshen();
      return undefined;
    }
    const wanted: HubImage[] = [];
    for (const ref of [...scan.refs, ...pulledRefs(e.line)]) {
      const image = hubImage(ref);
      if (image && !has(mirror, image) && !wanted.some((w) => sameImage(w, image))) wanted.push(image);
    }
    if (!wanted.length || !this.budget.take()) return undefined;
    const lang = this.lang();
    const lines = wanted.slice(0, MAX_NOTES).map((image) => noteText(lang, displayName(image), scan.hubUnreachable, nearestImage(image, mirror)));
    const text = lines.map((l) => `${STYLE}${l}${RESET}\r\n`).join('');
    return Buffer.from(`${scan.atLineStart ? '' : '\r\n'}${text}`);
  }
}

/** One line: what the failure means here, and what to do. */
export function noteText(lang: Lang, image: string, hubUnreachable: boolean, nearest: Nearest): string {
  const list = (names: readonly string[]) => {
    const shown = names.slice(0, MAX_LISTED).join(lang === 'zh' ? '、' : ', ');
    return names.length > MAX_LISTED ? `${shown}…` : shown;
  };
  if (lang === 'zh') {
    const why = hubUnreachable
      ? `Berth：此沙盒的离线镜像仓库里没有 ${image}，Docker 于是去找 Docker Hub，而这里不能上网（并不是你的网络坏了）。`
      : `Berth：此沙盒的镜像仓库里没有 ${image}。`;
    switch (nearest.kind) {
      case 'image':
        return `${why}请改用 ${nearest.image}${nearest.note ? `（${nearest.note.zh}）` : ''}。`;
      case 'tags':
        return `${why}这里 ${nearest.repo} 的标签有：${list(nearest.tags)}。`;
      case 'no-stand-in':
        return `${why}它的替代品 ${nearest.standIn} 这里也没有；可用的镜像有：${list(nearest.images)}（你自己的镜像见 docker images）。`;
      case 'none':
        return `${why}可用的镜像有：${list(nearest.images)}（你自己的镜像见 docker images）。`;
    }
  }
  const why = hubUnreachable
    ? `Berth: ${image} is not in this sandbox's offline image mirror, so Docker tried Docker Hub, which is out of reach here (your network is fine).`
    : `Berth: ${image} is not in this sandbox's image mirror.`;
  switch (nearest.kind) {
    case 'image':
      return `${why} Use ${nearest.image} instead${nearest.note ? ` (${nearest.note.en})` : ''}.`;
    case 'tags':
      return `${why} Tags of ${nearest.repo} here: ${list(nearest.tags)}.`;
    case 'no-stand-in':
      return `${why} Its stand-in, ${nearest.standIn}, is not here either. Images here: ${list(nearest.images)} (yours: docker images).`;
    case 'none':
      return `${why} Images here: ${list(nearest.images)} (yours: docker images).`;
  }
}
