// What the tests of the mirror's images do over and over, as a learner types it in a session: run a command and
// expect it to succeed, wait for a server in a container to answer, and remove what a test made (its containers,
// networks and the images it pulled, so that one session's disk holds one tutorial's images at a time).
import assert from 'node:assert/strict';
import type { TerminalClient } from '../helpers.js';

/** Big images on a first pull (the session's engine pulls them from the mirror). */
export const PULL_MS = 240_000;

/** Runs `command` in the session's shell; asserts it exits 0 and returns what it printed. */
export async function succeeds(term: TerminalClient, command: string, timeoutMs = PULL_MS): Promise<string> {
  const r = await term.run(command, timeoutMs);
  assert.equal(r.exit, 0, `${command}\n${r.output}`);
  return r.output;
}

/** Runs `command` until it exits 0 (a server still starting), at most `tries` times 0.5 s apart; returns its output. */
export async function eventuallySucceeds(term: TerminalClient, command: string, tries = 120): Promise<string> {
  const r = await term.run(`for i in $(seq ${tries}); do out=$(${command} 2>&1) && break; sleep 0.5; done; printf '%s\\n' "$out"; [ "$i" -lt ${tries} ] || (${command})`, tries * 1000 + PULL_MS);
  assert.equal(r.exit, 0, `${command} never succeeded:\n${r.output}`);
  return r.output;
}

/** Removes the containers, networks and images a test made; what was not made is ignored. */
export async function removeAll(term: TerminalClient, made: { containers?: string[]; networks?: string[]; images?: string[] }): Promise<void> {
  const steps = [
    made.containers?.length ? `docker rm -f ${made.containers.join(' ')}` : '',
    made.networks?.length ? `docker network rm ${made.networks.join(' ')}` : '',
    made.images?.length ? `docker rmi -f ${made.images.join(' ')}` : '',
  ].filter(Boolean);
  if (steps.length) await term.run(`{ ${steps.join('; ')}; } >/dev/null 2>&1`, 60_000);
}

/** Each `[image, command, want]`: `docker run --rm image sh -c command` prints a line matching want. */
export async function versionsInside(term: TerminalClient, checks: [string, string, RegExp][]): Promise<void> {
  for (const [image, command, want] of checks) {
    const out = await succeeds(term, `docker run --rm --entrypoint sh ${image} -c '${command}'`);
    assert.match(out, want, image);
  }
}
