// One watch of a session's engine however many pages look at it: the inner engine's event stream, followed
// only while someone watches, says when to look again; the picture is read again (at most one read at a
// time, events meanwhile folded into one more read) and every watcher gets it with what changed.
import type { EnginePicture, PictureChange } from '@berth/shared';
import type { ExecResult, FollowedProcess } from '../runtime/runtime.js';
import { pictureChanges } from './picture-changes.js';
import { PICTURE_SCRIPT } from './picture-script.js';
import { readPicture, type KnownLayers } from './read-picture.js';

/** What the watch needs of runtime/: a one-off command and a followed one, in the sandbox as the learner. */
export interface EngineWatchHost {
  exec(id: string, cmd: string[], opts: { timeoutMs: number; maxOutputBytes: number }): Promise<ExecResult>;
  follow(id: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess>;
}

export interface PictureUpdate {
  picture: EnginePicture;
  changes: PictureChange[];
}
export type PictureListener = (update: PictureUpdate) => void;

const EVENTS_CMD = ['docker', 'events', '--format', '{{.Type}} {{.Action}}'];
/** Events that come within this of the first (a build, `docker compose up`) are read in one look. */
const SETTLE_MS = 40;
const READ_TIMEOUT_MS = 15_000;
const READ_OUTPUT_BYTES = 4 * 1024 * 1024;
/** The event stream is started again after this long if it ends while someone watches (an engine restart). */
const FOLLOW_AGAIN_MS = 2000;
const FOLLOW_FOR_MS = 24 * 3600_000;

interface Watched {
  listeners: Set<PictureListener>;
  /** Told when the session ends, so a page's socket is closed rather than left open to nothing. */
  enders: Set<() => void>;
  known: KnownLayers;
  picture?: EnginePicture;
  follower?: FollowedProcess;
  settle?: ReturnType<typeof setTimeout>;
  reading: boolean;
  readAgain: boolean;
  stopped: boolean;
}

export class EngineWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly host: EngineWatchHost,
    private readonly onError: (sessionId: string, err: unknown) => void = () => {},
  ) {}

  /** Starts watching (the first watcher starts the stream); the listener gets the picture now and on every
   * change, and onEnd is called once if the session ends while it watches. */
  watch(sessionId: string, listener: PictureListener, onEnd: () => void = () => {}): () => void {
    let w = this.watched.get(sessionId);
    if (!w) {
      w = { listeners: new Set(), enders: new Set(), known: new Map(), reading: false, readAgain: false, stopped: false };
      this.watched.set(sessionId, w);
      void this.follow(sessionId, w);
      this.read(sessionId, w);
    } else if (w.picture) {
      listener({ picture: w.picture, changes: [] });
    }
    w.listeners.add(listener);
    w.enders.add(onEnd);
    return () => {
      w.listeners.delete(listener);
      w.enders.delete(onEnd);
      if (w.listeners.size === 0) this.stop(sessionId, w);
    };
  }

  /** Sessions whose engine is followed now. */
  get followed(): number {
    return this.watched.size;
  }

  /** The session ended: its watch goes, and whoever still looked is told. */
  forget(sessionId: string): void {
    const w = this.watched.get(sessionId);
    if (!w) return;
    this.stop(sessionId, w);
    const enders = [...w.enders];
    w.listeners.clear();
    w.enders.clear();
    for (const end of enders) end();
  }

  private stop(sessionId: string, w: Watched): void {
    if (w.stopped) return;
    w.stopped = true;
    clearTimeout(w.settle);
    w.follower?.stop();
    if (this.watched.get(sessionId) === w) this.watched.delete(sessionId);
  }

  private async follow(sessionId: string, w: Watched): Promise<void> {
    while (!w.stopped) {
      try {
        const follower = await this.host.follow(sessionId, EVENTS_CMD, (chunk) => this.onEvents(sessionId, w, chunk), { timeoutMs: FOLLOW_FOR_MS });
        if (w.stopped) return follower.stop();
        w.follower = follower;
        await follower.ended;
      } catch (err) {
        this.onError(sessionId, err);
      }
      if (!w.stopped) await new Promise((r) => setTimeout(r, FOLLOW_AGAIN_MS));
    }
  }

  private onEvents(sessionId: string, w: Watched, chunk: Buffer): void {
    // Each line is "<type> <action>": a check's `docker exec` (exec_create, exec_start, exec_die) changes nothing drawn.
    const lines = chunk.toString('latin1').split('\n').filter((l) => l && !/ exec_/.test(l));
    if (!lines.length || w.stopped) return;
    // Not put off by each new event: a loop of `docker run` would otherwise never be drawn.
    w.settle ??= setTimeout(() => {
      w.settle = undefined;
      this.read(sessionId, w);
    }, SETTLE_MS);
  }

  private read(sessionId: string, w: Watched): void {
    if (w.reading) {
      w.readAgain = true;
      return;
    }
    w.reading = true;
    void (async () => {
      try {
        const result = await this.host.exec(sessionId, ['bash', '-c', PICTURE_SCRIPT, 'picture', ...w.known.keys()], { timeoutMs: READ_TIMEOUT_MS, maxOutputBytes: READ_OUTPUT_BYTES });
        if (w.stopped) return;
        if (result.cut === 'timeout') throw new Error('the engine did not answer in time');
        // An answer past the limit is drawn from its whole lines, and says that some of it is left out.
        const picture = readPicture(result.output, w.known);
        if (result.cut) picture.truncated = true;
        const changes = w.picture ? pictureChanges(w.picture, picture) : [];
        const first = !w.picture;
        w.picture = picture;
        if (first || changes.length) for (const listener of w.listeners) listener({ picture, changes });
      } catch (err) {
        this.onError(sessionId, err);
      } finally {
        w.reading = false;
        if (w.readAgain && !w.stopped) {
          w.readAgain = false;
          this.read(sessionId, w);
        }
      }
    })();
  }
}
