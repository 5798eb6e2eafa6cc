// The linear matcher answers exactly as RegExp.prototype.test does: on the catalog's patterns against
// the catalog's solutions and variants of them, and on random small patterns against random lines.
// Then what it refuses, and what a line longer than MAX_MATCHED_CHARS gets.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LinearPattern, MAX_MATCHED_CHARS, UnsupportedPatternError } from '../../src/lessons/linear-pattern.js';
import { loadLessons } from '../../src/lessons/load-lessons.js';

const lessonsDir = path.resolve(import.meta.dirname, '..', '..', '..', 'lessons');

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

test('every catalog pattern agrees with RegExp on the catalog\'s commands and over 800 variants of them', () => {
  const lessons = loadLessons(lessonsDir);
  const patterns = lessons.flatMap((l) => l.steps.flatMap((s) => [...s.goals.flatMap((g) => (g.type === 'ran' ? [g.pattern] : [])), ...s.mistakes.map((m) => m.pattern)]));
  const solutions = lessons.flatMap((l) => l.steps.flatMap((s) => s.solution));
  const rand = random(7);
  const extras = ['-it', '-d', '--name', 'x', '-p', '8080:80', '--rm', 'busybox', 'debian', '-a', '   ', '--net=shop', '-v', 'notes:/data', "'", '"'];
  const lines = new Set(solutions);
  for (const line of solutions) {
    for (let k = 0; k < 5; k++) {
      const words = line.split(' ');
      const at = rand(words.length);
      if (k % 3 === 0) words.splice(at, 1);
      else if (k % 3 === 1) words.splice(at, 0, words[rand(words.length)]!);
      else words.splice(at, 0, extras[rand(extras.length)]!);
      lines.add(words.join(' '));
    }
  }
  assert.ok(patterns.length >= 188 && lines.size >= 800, `${patterns.length} patterns, ${lines.size} lines`);
  const differ: string[] = [];
  for (const p of patterns) {
    const v8 = new RegExp(p.source);
    for (const line of lines) if (p.test(line) !== v8.test(line)) differ.push(`${p} on ${JSON.stringify(line)}: RegExp says ${v8.test(line)}`);
  }
  assert.deepEqual(differ.slice(0, 10), []);
});

test('3 000 random patterns (lookaheads, classes, anchors, \\b, every quantifier) agree with RegExp on random lines', () => {
  const rand = random(42);
  const atoms = ['a', 'b', ' ', '-', '.', '\\s', '\\S', '\\w', '\\W', '\\d', '[ab]', '[^a]', '[a-c\\s]', '\\b', '\\B', '^', '$', '()'];
  const gen = (depth: number): string => {
    const r = rand(10);
    if (depth > 3 || r < 4) return atoms[rand(atoms.length)]!;
    if (r < 6) return gen(depth + 1) + gen(depth + 1);
    if (r === 6) return `(${gen(depth + 1)}|${gen(depth + 1)})`;
    if (r === 7) return `(?:${gen(depth + 1)})${['*', '+', '?', '{1,2}', '*?', '{2}', '{0,}', '??'][rand(8)]}`;
    if (r === 8) return `(?${rand(2) ? '=' : '!'}${gen(depth + 1)})`;
    return gen(depth + 1) + ['*', '+', '?'][rand(3)];
  };
  let compared = 0;
  const differ: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const source = gen(0);
    let v8: RegExp;
    try {
      v8 = new RegExp(source);
    } catch {
      continue; // e.g. a quantified ^: not a pattern either engine takes
    }
    const p = LinearPattern.compile(source);
    for (let t = 0; t < 30; t++) {
      let line = '';
      for (let c = rand(9); c > 0; c--) line += 'ab -x1\n'[rand(7)];
      compared++;
      if (p.test(line) !== v8.test(line)) differ.push(`/${source}/ on ${JSON.stringify(line)}: RegExp says ${v8.test(line)}`);
    }
  }
  assert.ok(compared > 50_000, `${compared} comparisons`);
  assert.deepEqual(differ.slice(0, 10), []);
});

test('backreferences, lookbehinds and huge repeats are refused with a reason; bad syntax gets V8\'s message', () => {
  assert.throws(() => LinearPattern.compile('(a)\\1'), (e) => e instanceof UnsupportedPatternError && /backreference \(\\1\) cannot be matched in linear time/.test(e.message));
  assert.throws(() => LinearPattern.compile('(?<x>a)\\k<x>'), UnsupportedPatternError);
  assert.throws(() => LinearPattern.compile('(?<!a)b'), (e) => e instanceof UnsupportedPatternError && /lookbehind/.test(e.message));
  assert.throws(() => LinearPattern.compile('(?:a{1,100}){1,100}'), (e) => e instanceof UnsupportedPatternError && /too large/.test(e.message));
  assert.throws(() => LinearPattern.compile('^docker (ps'), SyntaxError);
});

test(`a line longer than ${MAX_MATCHED_CHARS} characters is matched on its first ${MAX_MATCHED_CHARS}`, () => {
  const long = `docker run ${'x'.repeat(MAX_MATCHED_CHARS)} hello-world`;
  const ran = LinearPattern.compile('^docker\\s+run\\b.*\\shello-world$');
  assert.equal(ran.test(long), false, 'hello-world lies past the cut: not seen');
  assert.equal(ran.test(long, undefined, Infinity), true, 'the same line uncut does match');
  assert.equal(LinearPattern.compile('^docker\\s+run\\b').test(long), true, 'the start of the line is seen');
  const cut = `docker run ${' '.repeat(MAX_MATCHED_CHARS)}`;
  assert.equal(LinearPattern.compile('^docker\\s+run\\s*$').test(cut), false, '$ does not match at the cut, only at the real end');
  assert.equal(LinearPattern.compile('^docker\\s+run\\s*$').test('docker run   '), true);
});
