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
import type { UpstreamState, UpstreamStatus } from './upstream-status.js';

/** Where images come from beyond the offline mirror: nothing, or an upstream through the cache (in that state now). */
export type Beyond = { kind: 'offline' } | { kind: 'upstream'; name: string; state: UpstreamState | undefined };

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
    /** The pull-through cache's upstream, when there is one (BERTH_REGISTRY_UPSTREAM). */
    private readonly upstream?: UpstreamStatus,
  ) {
    this.budget = new CommandBudget(undefined, undefined, now);
  }

  started(line: string): void {
    // Only Docker's own commands are read: a `cat` or `grep` of a saved error is not a failed pull.
    this.scan = line.includes('docker') ? new DockerErrorScan() : undefined;
    if (this.scan) {
      void this.catalog.freshen();
      void this.upstream?.freshen();
    }
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
    const beyond: Beyond = this.upstream ? { kind: 'upstream', name: this.upstream.name, state: this.upstream.current } : { kind: 'offline' };
    const lines = wanted.slice(0, MAX_NOTES).map((image) => noteText(lang, displayName(image), scan.hubUnreachable, nearestImage(image, mirror), beyond));
    const text = lines.map((l) => `${STYLE}${l}${RESET}\r\n`).join('');
    return Buffer.from(`${scan.atLineStart ? '' : '\r\n'}${text}`);
  }
}

/** One line: what the failure means here, and what to do. */
export function noteText(lang: Lang, image: string, hubUnreachable: boolean, nearest: Nearest, beyond: Beyond = { kind: 'offline' }): string {
  if (beyond.kind === 'upstream') return upstreamNoteText(lang, image, hubUnreachable, nearest, beyond.name, beyond.state);
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

/**
 * With an upstream: it answered, so the image does not exist there (or is private), and the offline list
 * is no menu (anything the upstream has can be pulled); or it is out of reach, and the offline set is all
 * there is for now. Docker's own last line is then its try of Docker Hub itself, never reachable here.
 */
function upstreamNoteText(lang: Lang, image: string, hubUnreachable: boolean, nearest: Nearest, upstream: string, state: UpstreamState | undefined): string {
  const zh = lang === 'zh';
  const offlineNote = () => noteText(lang, image, false, nearest).replace(zh ? /^Berth：此沙盒的镜像仓库里没有 [^。]*。/ : /^Berth: \S+ is not in this sandbox's image mirror\./, '').trim();
  if (state === 'answers') {
    const also = nearest.kind === 'image' ? (zh ? `可以试试 ${nearest.image}。` : ` Did you mean ${nearest.image}?`) : '';
    const hub = hubUnreachable ? (zh ? '（上面的 “no such host” 只是 Docker 最后直接去找 Docker Hub，沙盒从不连它。）' : ` (Docker's "no such host" is only its last try, Docker Hub itself, which sandboxes never reach.)`) : '';
    return zh
      ? `Berth：${upstream} 上没有 ${image}（或它是私有的），此沙盒的离线镜像仓库里也没有：请检查名称和标签。${also}${hub}`
      : `Berth: ${upstream} has no ${image} (or it is private), and neither has this sandbox's offline mirror: check the name and tag.${also}${hub}`;
  }
  if (state === 'unreachable') {
    return zh
      ? `Berth：此沙盒的离线镜像仓库里没有 ${image}，而服务器现在连不上 ${upstream}，所以取不到它（并不是你的网络坏了）。${offlineNote()}`
      : `Berth: ${image} is not in this sandbox's offline mirror, and this server cannot reach ${upstream} right now, so it could not be fetched (your network is fine). ${offlineNote()}`;
  }
  return zh
    ? `Berth：此沙盒的离线镜像仓库里没有 ${image}，${upstream} 也没有提供它。${offlineNote()}`
    : `Berth: ${image} is not in this sandbox's offline mirror, and ${upstream} did not provide it. ${offlineNote()}`;
}
