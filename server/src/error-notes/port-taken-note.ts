// After `docker run -p` fails because the host port is taken ("port is already allocated", or "address
// already in use" when a program holds it): one line of Berth's in the learner's language naming what
// holds the port, when this shell started it (the container it published that port with earlier), and how
// to pick another. Which containers publish which ports is remembered from this shell's own successful
// commands (the line must be ready before the next prompt: no engine call on the way).
import type { Lang } from '@berth/shared';
import { CommandBudget } from '../terminal/command-budget.js';
import type { CommandEvent, CommandOutputObserver } from '../terminal/shell-integration.js';
import { noteBytes } from './note-style.js';
import { OutputLines } from '../terminal/output-lines.js';
import { containerName, publishedPorts } from './published-ports.js';

const ALLOCATED = 'port is already allocated';
const IN_USE = 'address already in use';
/** Ports remembered per shell (the latest win). */
const MAX_REMEMBERED = 64;
const MAX_SHOWN_COMMAND = 80;

interface Holder {
  /** The container's name, when the command gave one. */
  name?: string;
  command: string;
}

export class PortTakenNotes implements CommandOutputObserver {
  private lines: OutputLines | undefined;
  private takenPort: number | undefined;
  private readonly holders = new Map<number, Holder>();
  private readonly budget: CommandBudget;

  constructor(
    private readonly lang: () => Lang,
    now: () => number = Date.now,
  ) {
    this.budget = new CommandBudget(undefined, undefined, now);
  }

  started(line: string): void {
    this.takenPort = undefined;
    this.lines = /docker/.test(line) ? new OutputLines([ALLOCATED, IN_USE], (l) => this.read(l)) : undefined;
  }

  private read(line: string): void {
    const at = Math.max(line.indexOf(ALLOCATED), line.indexOf(IN_USE));
    // "Bind for 0.0.0.0:8080 failed: port is already allocated", "listen tcp4 0.0.0.0:8080: bind: address already in use"
    const m = /:(\d{1,5})\D{0,30}$/.exec(line.slice(Math.max(0, at - 40), at));
    if (m) this.takenPort ??= Number(m[1]);
  }

  text(bytes: Buffer): void {
    this.lines?.push(bytes);
  }

  ended(e: CommandEvent): Buffer | undefined {
    const lines = this.lines;
    this.lines = undefined;
    if (!lines) return undefined;
    lines.finish();
    if (e.exit === 0) {
      this.remember(e.line);
      return undefined;
    }
    const port = this.takenPort;
    if (port === undefined || !this.budget.take()) return undefined;
    const mine = publishedPorts(e.line).find((p) => p.hostPort === port);
    const alternative = `-p ${port === 65535 ? port - 1 : port + 1}:${mine?.containerPort ?? port}`;
    return noteBytes([portTakenText(this.lang(), port, this.holders.get(port), alternative)], lines.atLineStart);
  }

  /** A container started with published ports, or removed (the ports it held are free again). */
  private remember(line: string): void {
    if (/\bdocker\s+(?:container\s+)?(?:rm|stop|kill)\b/.test(line)) {
      for (const [port, h] of this.holders) if (h.name && line.includes(h.name)) this.holders.delete(port);
      return;
    }
    if (!/\bdocker\s+(?:container\s+)?(?:run|create)\b/.test(line)) return;
    const name = containerName(line);
    const command = line.length > MAX_SHOWN_COMMAND ? `${line.slice(0, MAX_SHOWN_COMMAND)}…` : line;
    for (const p of publishedPorts(line)) {
      this.holders.delete(p.hostPort);
      this.holders.set(p.hostPort, { name, command });
      if (this.holders.size > MAX_REMEMBERED) this.holders.delete(this.holders.keys().next().value!);
    }
  }
}

export function portTakenText(lang: Lang, port: number, holder: Holder | undefined, alternative: string): string {
  if (lang === 'zh') {
    const who = holder ? (holder.name ? `容器 ${holder.name} 占用了它` : `你之前用 ${holder.command} 启动的容器占用了它`) : '另一个容器或程序占用了它（docker ps 可以看到哪个容器发布了它）';
    const free = holder?.name ? `，或先删除它：docker rm -f ${holder.name}` : '';
    return `Berth：此沙盒的端口 ${port} 已被占用：${who}。请换一个端口，例如 ${alternative}${free}。`;
  }
  const who = holder ? (holder.name ? `container ${holder.name} holds it` : `the container you started with ${holder.command} holds it`) : 'another container or program holds it (docker ps shows which container publishes it)';
  const free = holder?.name ? `, or remove that one first: docker rm -f ${holder.name}` : '';
  return `Berth: port ${port} of this sandbox is already taken: ${who}. Publish on another port, e.g. ${alternative}${free}.`;
}
