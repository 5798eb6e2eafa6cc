// The rules behind Berth's line after a `docker stats` without figures (a rootless engine without cgroups):
// which command lines and which output bring it, where it goes, in which language, and how often.
// server/test/engine/todays-docker.test.ts runs the real engine's docker stats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatsNote, statsNoteText } from '../../src/engine-notes/stats-note.js';
import { ObserverChain } from '../../src/terminal/observer-chain.js';
import type { CommandOutputObserver } from '../../src/terminal/shell-integration.js';

const NO_FIGURES = `CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS
d4f083dceb9a   zen_bell  0.00%     0B / 0B             0.00%     0B / 0B   0B / 0B     0
`;
const FIGURES = `CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT     MEM %     NET I/O       BLOCK I/O   PIDS
d4f083dceb9a   zen_bell  0.01%     1.2MiB / 1GiB         0.12%     1.1kB / 0B    0B / 0B     1
`;

function runs(o: CommandOutputObserver, line: string, ...chunks: string[]): string | undefined {
  o.started(line);
  for (const c of chunks) o.text(Buffer.from(c));
  return o.ended({ line, exit: 0, at: 0 })?.toString();
}

test('docker stats printing 0B / 0B gets one line saying why, after the output; figures or other commands get none', () => {
  const note = new StatsNote(() => 'en');
  const line = runs(note, 'docker stats --no-stream', NO_FIGURES);
  assert.equal(line, `\x1b[36m${statsNoteText('en')}\x1b[0m\r\n`);
  assert.match(statsNoteText('en'), /^Berth: docker stats has no figures here: .*rootless without cgroups.*docker top and docker ps do work\.$/);
  assert.equal(runs(new StatsNote(() => 'en'), 'docker container stats -a', NO_FIGURES)?.includes('Berth:'), true);
  assert.equal(runs(new StatsNote(() => 'en'), 'docker stats --no-stream', FIGURES), undefined, 'an engine that measures gets no line');
  assert.equal(runs(new StatsNote(() => 'en'), 'cat saved-stats.txt', NO_FIGURES), undefined, 'a cat of saved output is no stats');
  assert.equal(runs(new StatsNote(() => 'en'), 'docker ps', NO_FIGURES), undefined);
});

test('the sign split across two chunks is still seen; a stats stopped mid-line (Ctrl-C) gets its line on a line of its own', () => {
  const at = NO_FIGURES.indexOf('0B / 0B') + 3;
  assert.ok(runs(new StatsNote(() => 'en'), 'docker stats', NO_FIGURES.slice(0, at), NO_FIGURES.slice(at))?.includes('Berth:'));
  const stopped = runs(new StatsNote(() => 'en'), 'docker stats', NO_FIGURES, '^C');
  assert.ok(stopped?.startsWith('\r\n\x1b[36mBerth:'), stopped);
});

test('in Chinese for a learner in zh; at most three lines, then one every 20 s', () => {
  let now = 0;
  const note = new StatsNote(() => 'zh', () => now);
  assert.match(runs(note, 'docker stats --no-stream', NO_FIGURES)!, /Berth：这里 docker stats 显示不出数据/);
  assert.ok(runs(note, 'docker stats --no-stream', NO_FIGURES));
  assert.ok(runs(note, 'docker stats --no-stream', NO_FIGURES));
  assert.equal(runs(note, 'docker stats --no-stream', NO_FIGURES), undefined);
  now += 20_000;
  assert.ok(runs(note, 'docker stats --no-stream', NO_FIGURES));
});

test('ObserverChain: every observer sees every command and byte, their lines come in order', () => {
  const seen: string[] = [];
  const echo = (name: string): CommandOutputObserver => ({
    started: (l) => seen.push(`${name} started ${l}`),
    text: (b) => seen.push(`${name} text ${b}`),
    ended: () => Buffer.from(`${name}\r\n`),
  });
  const silent: CommandOutputObserver = { started: () => {}, text: () => {}, ended: () => undefined };
  const all = new ObserverChain([echo('a'), silent, echo('b')]);
  assert.equal(runs(all, 'x', 'out'), 'a\r\nb\r\n');
  assert.deepEqual(seen, ['a started x', 'b started x', 'a text out', 'b text out']);
  assert.equal(runs(new ObserverChain([silent]), 'x', 'out'), undefined);
});
