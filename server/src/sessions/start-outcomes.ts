// Whether a visitor can get a working sandbox now: the outcomes of recent sandbox starts (sessions and
// warm-pool refills, probes). The host counts as failing once two starts in a row failed (one failure may be a
// fluke of a loaded host; the probe tries again at once), until one works again.
// A failure gets a short reference: the visitor sees it in a sentence, the operator's log has it with the
// engine's own words.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Lang, StartFailure, StartsReport } from '@berth/shared';
import type { Logger } from './session-manager.js';

/** /api/health reports the outcomes of this many latest starts. */
const RECENT = 20;
const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read aloud or typed

/** Failures in a row that make the host "failing". */
const FAILING_AFTER = 2;

type StartEvents = { failure: [failure: StartFailure]; recovered: [] };

export class StartOutcomes extends EventEmitter<StartEvents> {
  private readonly recent: boolean[] = [];
  private last: StartFailure | undefined;
  /** Failed starts since the last one that worked. */
  private streak = 0;
  /** Since the server started, for /metrics counters. */
  readonly totals = { ok: 0, failed: 0 };

  constructor(
    /** A few words on why, from the failure's text (host/start-diagnosis.ts). */
    private readonly diagnose: (text: string) => { cause: string },
    private readonly log: Logger,
  ) {
    super();
  }

  /** A visitor asking now would not get a sandbox: Start answers 503, health is down. */
  get failing(): boolean {
    return this.streak >= FAILING_AFTER;
  }

  /** The latest start failed: until one works, the probe keeps trying. */
  get doubtful(): boolean {
    return this.streak > 0;
  }

  succeeded(): void {
    const was = this.streak;
    this.streak = 0;
    this.note(true);
    if (!was) return;
    if (was >= FAILING_AFTER) this.log.info({ lastFailure: this.last?.reference }, 'sandbox starts work again');
    this.emit('recovered');
  }

  /** Records a failed start and logs the engine's full text under a new reference, returned. */
  failed(err: Error, sandbox: string, what: 'session' | 'pool' | 'probe'): StartFailure {
    const failure: StartFailure = { at: new Date().toISOString(), reference: newReference(), cause: this.diagnose(err.message).cause };
    this.last = failure;
    this.streak++;
    this.note(false);
    this.log.error({ reference: failure.reference, sandbox, start: what, cause: failure.cause, err: err.message }, `sandbox failed to start [${failure.reference}]`);
    this.emit('failure', failure);
    return failure;
  }

  report(): StartsReport {
    const ok = this.recent.filter(Boolean).length;
    return { ok, failed: this.recent.length - ok, failing: this.failing, ...(this.last ? { lastFailure: this.last } : {}) };
  }

  private note(ok: boolean): void {
    this.recent.push(ok);
    if (this.recent.length > RECENT) this.recent.shift();
    this.totals[ok ? 'ok' : 'failed']++;
  }
}

function newReference(): string {
  return Array.from(crypto.randomBytes(6), (b) => REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length]).join('');
}

/** What a visitor whose sandbox did not start reads (the session's end message), in their language. */
export function startFailedText(reference: string, lang: Lang = 'en'): string {
  return lang === 'zh'
    ? `由于服务器端的问题，你的沙箱没能启动，这不是你操作的原因。请过一会儿再试；如果问题一直存在，请把编号 ${reference} 告诉网站管理员。`
    : `Your sandbox could not start because of a problem on the server, not anything you did. Please try again in a minute; if it keeps happening, give the site's operator the reference ${reference}.`;
}

/** What Start answers (503) while sandbox starts are failing, in the visitor's language. */
export function startsFailingText(lang: Lang = 'en'): string {
  return lang === 'zh'
    ? '沙箱现在无法启动：服务器出了问题，需要管理员处理。Berth 会一直自动重试，请过几分钟再来。'
    : 'Sandboxes cannot start right now: the server has a problem its operator needs to fix. Berth keeps trying by itself, so please come back in a few minutes.';
}
