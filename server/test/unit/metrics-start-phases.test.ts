// GET /metrics sums where sandbox starts spent their time, by phase, so an operator can see what to blame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../src/metrics/metrics.js';

const now = { live: 0, starting: 0, queued: 0, pooled: 0, napping: 0, terminals: 0, sessions: [], starts: { ok: 2, failed: 0, failing: false } };

test('start phases are summed in seconds per phase, with the number of starts timed', () => {
  const metrics = new Metrics();
  assert.match(metrics.render(now), /^berth_sandbox_start_phases_total 0$/m);
  metrics.observeStartPhases({ disk: 120, network: 40, container: 300, shell: 150, engine: 2500 });
  metrics.observeStartPhases({ disk: 80, network: 60, container: 500, shell: 250, engine: 3500 });
  const text = metrics.render(now);
  assert.match(text, /^berth_sandbox_start_phases_total 2$/m);
  assert.match(text, /^berth_sandbox_start_phase_seconds_total\{phase="disk"\} 0\.200$/m);
  assert.match(text, /^berth_sandbox_start_phase_seconds_total\{phase="network"\} 0\.100$/m);
  assert.match(text, /^berth_sandbox_start_phase_seconds_total\{phase="container"\} 0\.800$/m);
  assert.match(text, /^berth_sandbox_start_phase_seconds_total\{phase="shell"\} 0\.400$/m);
  assert.match(text, /^berth_sandbox_start_phase_seconds_total\{phase="engine"\} 6\.000$/m);
  assert.match(text, /^# TYPE berth_sandbox_start_phase_seconds_total counter$/m);
});
