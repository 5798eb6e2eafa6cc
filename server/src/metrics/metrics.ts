// Prometheus text exposition of Berth's own figures (GET /metrics), without a client library.
import type { EndReason } from '@berth/shared';
import type { StartPhases } from '../runtime/runtime.js';

const START_BUCKETS = [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30];

export interface SessionGauge {
  id: string;
  memoryBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
}

export class Metrics {
  private readonly startBuckets = START_BUCKETS.map(() => 0);
  private startCount = 0;
  private startSum = 0;
  private readonly ends = new Map<EndReason, number>();
  private readonly shells = { 'terminal-server': 0, exec: 0 };
  private readonly phaseSeconds: StartPhases = { disk: 0, network: 0, container: 0, shell: 0, engine: 0 };
  private phaseCount = 0;

  /** A sandbox start that succeeded, by phase (ms). */
  observeStartPhases(phases: StartPhases): void {
    this.phaseCount++;
    for (const k of Object.keys(this.phaseSeconds) as (keyof StartPhases)[]) this.phaseSeconds[k] += phases[k] / 1000;
  }

  observeStart(seconds: number): void {
    this.startCount++;
    this.startSum += seconds;
    START_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.startBuckets[i]!++;
    });
  }

  observeShell(via: 'terminal-server' | 'exec'): void {
    this.shells[via]++;
  }

  observeEnd(reason: EndReason): void {
    this.ends.set(reason, (this.ends.get(reason) ?? 0) + 1);
  }

  render(now: {
    live: number;
    starting: number;
    queued: number;
    pooled: number;
    /** Sessions whose sandbox naps (frozen while quiet). */
    napping: number;
    terminals: number;
    sessions: SessionGauge[];
    /** Sandbox starts (sessions, pool refills, probes) since the server started; failing: the latest failed. */
    starts: { ok: number; failed: number; failing: boolean };
  }): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    metric('berth_sessions_live', 'gauge', 'Sessions not ended (starting or ready).', [`berth_sessions_live ${now.live}`]);
    metric('berth_sessions_starting', 'gauge', 'Sessions whose sandbox is still starting.', [`berth_sessions_starting ${now.starting}`]);
    metric('berth_sessions_queued', 'gauge', 'Visitors waiting for a free slot.', [`berth_sessions_queued ${now.queued}`]);
    metric('berth_sessions_napping', 'gauge', 'Sessions whose sandbox naps: frozen while nobody uses it, woken by a keystroke, a check or a port link.', [`berth_sessions_napping ${now.napping}`]);
    metric('berth_pool_ready', 'gauge', 'Warm sandboxes ready to hand over.', [`berth_pool_ready ${now.pooled}`]);
    metric('berth_terminals', 'gauge', 'Shells kept for sessions (attached or waiting for a reconnect).', [`berth_terminals ${now.terminals}`]);
    metric('berth_session_start_seconds', 'histogram', 'From POST /api/sessions to the inner engine answering.', [
      ...START_BUCKETS.map((le, i) => `berth_session_start_seconds_bucket{le="${le}"} ${this.startBuckets[i]}`),
      `berth_session_start_seconds_bucket{le="+Inf"} ${this.startCount}`,
      `berth_session_start_seconds_sum ${this.startSum.toFixed(3)}`,
      `berth_session_start_seconds_count ${this.startCount}`,
    ]);
    metric('berth_sandbox_starts_total', 'counter', 'Sandbox starts (sessions, warm-pool refills, probes), by outcome.', [
      `berth_sandbox_starts_total{outcome="ok"} ${now.starts.ok}`,
      `berth_sandbox_starts_total{outcome="failed"} ${now.starts.failed}`,
    ]);
    metric('berth_sandbox_start_phase_seconds_total', 'counter', 'Time sandbox starts that succeeded spent in each phase: their disk, their network, their container made and started, the engine\'s namespaces made (the prompt can come: shell), their inner engine answering after that (divide by berth_sandbox_start_phases_total for a mean).', (Object.keys(this.phaseSeconds) as (keyof StartPhases)[]).map((k) => `berth_sandbox_start_phase_seconds_total{phase="${k}"} ${this.phaseSeconds[k].toFixed(3)}`));
    metric('berth_sandbox_start_phases_total', 'counter', 'Sandbox starts that succeeded and were timed by phase.', [`berth_sandbox_start_phases_total ${this.phaseCount}`]);
    metric('berth_sandbox_starts_failing', 'gauge', '1 while the latest sandbox start failed (Start answers 503), else 0.', [`berth_sandbox_starts_failing ${now.starts.failing ? 1 : 0}`]);
    metric('berth_shells_opened_total', 'counter', 'Terminal shells opened, by path: the sandbox\'s terminal server, or Engine API exec (its fallback).', [
      `berth_shells_opened_total{via="terminal-server"} ${this.shells['terminal-server']}`,
      `berth_shells_opened_total{via="exec"} ${this.shells.exec}`,
    ]);
    metric('berth_session_ends_total', 'counter', 'Sessions ended, by reason.', [...this.ends].map(([r, n]) => `berth_session_ends_total{reason="${r}"} ${n}`));
    metric('berth_session_memory_bytes', 'gauge', 'Memory used by each session (page cache excluded).', now.sessions.map((s) => `berth_session_memory_bytes{session="${s.id}"} ${s.memoryBytes}`));
    metric('berth_session_disk_used_bytes', 'gauge', 'Disk used on each session\'s own disk.', now.sessions.map((s) => `berth_session_disk_used_bytes{session="${s.id}"} ${s.diskUsedBytes}`));
    metric('berth_session_disk_size_bytes', 'gauge', 'Size of each session\'s own disk.', now.sessions.map((s) => `berth_session_disk_size_bytes{session="${s.id}"} ${s.diskTotalBytes}`));
    return `${out.join('\n')}\n`;
  }
}
