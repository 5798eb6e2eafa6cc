// With BERTH_RECORD=terminals, each session's first terminal is recorded from the moment its sandbox is
// ready until the session ends (or the server stops), then sealed. Kept `days`, then swept.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RecordingSummary } from '@berth/shared';
import type { Logger } from '../sessions/session-manager.js';
import type { TerminalRecorder } from '../terminal/terminal-host.js';
import { CastRecorder } from './asciicast-writer.js';
import { castFileName } from './cast-format.js';
import { sweepRecordings } from './retention.js';


const SWEEP_EVERY_MS = 6 * 3600_000;
/** A session's recording: `<session id>-<start, ms since the epoch in base 36>`. */
export const SESSION_RECORDING_ID = '^[a-z0-9]{9}-[a-z0-9]{1,12}$';
const RECORDING_FILE = /^([a-z0-9]{9})-([a-z0-9]{1,12})\.cast$/;

export class SessionRecordings {
  /** By session id: the recorder being made or made, settled to null when it could not be. */
  private readonly live = new Map<string, Promise<CastRecorder | null>>();
  /** Seals under way, so a stopping server waits for them. */
  private readonly sealing = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly folder: string,
    readonly keptDays: number,
    private readonly terminals: { record(sessionId: string, recorder: TerminalRecorder | undefined): void },
    private readonly log: Logger,
  ) {}

  /** Starts recording the session's first terminal (once per session). */
  start(sessionId: string): void {
    if (this.live.has(sessionId)) return;
    const id = `${sessionId}-${Date.now().toString(36)}`;
    const made = CastRecorder.create({ id, folder: this.folder, width: 80, height: 24, title: `Berth session ${sessionId}` }).then(
      (recorder) => {
        if (this.live.get(sessionId) === made) this.terminals.record(sessionId, recorder);
        return recorder;
      },
      (err: Error) => {
        this.log.error({ session: sessionId, err: err.message }, 'could not start recording a terminal');
        return null;
      },
    );
    this.live.set(sessionId, made);
  }

  marker(sessionId: string, label: string): void {
    void this.live.get(sessionId)?.then((r) => r?.marker(label));
  }

  /** The session ended: its recording is closed, made read-only and hashed. */
  seal(sessionId: string): Promise<void> {
    const made = this.live.get(sessionId);
    if (!made) return Promise.resolve();
    this.live.delete(sessionId);
    this.terminals.record(sessionId, undefined);
    const done = this.sealNow(sessionId, made).finally(() => this.sealing.delete(done));
    this.sealing.add(done);
    return done;
  }

  private async sealNow(sessionId: string, made: Promise<CastRecorder | null>): Promise<void> {
    const recorder = await made;
    if (!recorder) return;
    // A file taken away under the server (an operator's rm, a disk gone) fails its seal, never the server.
    const sealed = await recorder.seal().catch((err: Error) => {
      this.log.error({ session: sessionId, err: err.message }, 'a recording could not be sealed');
      return null;
    });
    if (!sealed) return;
    const fields = { session: sessionId, file: sealed.file, bytes: sealed.bytes, sha256: sealed.sha256, dropped: sealed.dropped };
    if (sealed.writeError) this.log.error({ ...fields, err: sealed.writeError }, 'a recording could not be written whole');
    else this.log.info(fields, 'recording sealed');
  }

  async sealAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.seal(id)));
    await Promise.all([...this.sealing]);
  }

  /** Removes what is past its time now and every few hours. */
  startSweeping(): void {
    const sweep = () =>
      void sweepRecordings(this.folder, this.keptDays).then(
        (removed) => removed.length && this.log.info({ removed: removed.length }, 'recordings past their retention removed'),
        (err: Error) => this.log.warn({ err: err.message }, 'could not sweep old recordings'),
      );
    sweep();
    this.sweeper = setInterval(sweep, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stopSweeping(): void {
    clearInterval(this.sweeper);
  }

  /** Every recording in the folder, newest first. */
  async list(): Promise<RecordingSummary[]> {
    const names = await fs.readdir(this.folder).catch(() => [] as string[]);
    const out: RecordingSummary[] = [];
    for (const name of names) {
      const m = RECORDING_FILE.exec(name);
      if (!m) continue;
      const stats = await fs.lstat(path.join(this.folder, name)).catch(() => null);
      if (!stats?.isFile()) continue;
      const seal = await fs.readFile(path.join(this.folder, `${name}.sha256`), 'utf8').catch(() => '');
      out.push({ id: `${m[1]}-${m[2]}`, session: m[1]!, startedAt: new Date(parseInt(m[2]!, 36)).toISOString(), bytes: stats.size, sha256: seal.split(/\s/)[0] || null });
    }
    return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Each session's sealed recording (the last, if it has several), from the folder's names alone. */
  async sealedBySession(): Promise<Map<string, string>> {
    const names = new Set(await fs.readdir(this.folder).catch(() => [] as string[]));
    const out = new Map<string, string>();
    for (const name of [...names].sort()) {
      const m = RECORDING_FILE.exec(name);
      if (m && names.has(`${name}.sha256`)) out.set(m[1]!, `${m[1]}-${m[2]}`);
    }
    return out;
  }

  /** The file of a sealed recording, or null (no such recording, or still being written). */
  async sealedFile(id: string): Promise<string | null> {
    if (!new RegExp(SESSION_RECORDING_ID).test(id)) return null;
    const file = path.join(this.folder, castFileName(id));
    const [cast, seal] = await Promise.all([fs.lstat(file).catch(() => null), fs.lstat(`${file}.sha256`).catch(() => null)]);
    return cast?.isFile() && seal?.isFile() ? file : null;
  }
}
