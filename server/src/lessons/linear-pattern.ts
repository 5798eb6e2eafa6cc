// Command-line patterns matched in time linear in the line. A lesson's `ran` and `match` regexes are
// tested against whatever a learner types, and V8's backtracking takes seconds on some of them for one
// long line (the whole server waits). This engine takes the same JavaScript syntax (no flags), compiles
// it to an automaton and answers RegExp.prototype.test's question (does it match anywhere?) by following
// every path at once: at most WORK_PER_STATE work per automaton state and character, whatever is typed.
// A lookahead is a predicate on a position, computed for the whole line in one backward pass.
// Backreferences (no linear algorithm exists) and lookbehinds (no lesson needs one) are refused.
import { RegExpParser, type AST } from '@eslint-community/regexpp';

/** A line longer than this is matched on its first MAX_MATCHED_CHARS characters (see lessons/README.md). */
export const MAX_MATCHED_CHARS = 4096;
/** A pattern that compiles to more states than this (e.g. nested {n,m}) is refused. */
export const MAX_STATES = 2000;
/** The work bound: one test() costs at most this × (states + 1) × (characters + 1) steps. */
export const WORK_PER_STATE = 4;

export class UnsupportedPatternError extends Error {}

/** Counts the steps a test() took (the linear guarantee, measured without a clock). */
export interface WorkMeter {
  work: number;
}

export class LinearPattern {
  /** States of the pattern and of all its lookaheads: the size its work is linear in. */
  readonly states: number;

  private constructor(
    readonly source: string,
    private readonly main: Automaton,
    private readonly anchored: boolean,
  ) {
    this.states = countStates(main);
  }

  /** Compiles `source` (JavaScript syntax, no flags); throws SyntaxError or UnsupportedPatternError. */
  static compile(source: string): LinearPattern {
    new RegExp(source); // V8's own verdict on the syntax, with V8's message
    const ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode: false });
    const builder = new Builder();
    const main = builder.automaton(ast.alternatives);
    const anchored = ast.alternatives.every((a) => a.elements[0]?.type === 'Assertion' && a.elements[0].kind === 'start');
    return new LinearPattern(source, main, anchored);
  }

  /** Does the pattern match anywhere in the line's first MAX_MATCHED_CHARS characters? */
  test(line: string, meter: WorkMeter = { work: 0 }, maxChars = MAX_MATCHED_CHARS): boolean {
    const ctx: Context = { line, n: Math.min(line.length, maxChars), looks: new Map(), meter };
    return forward(this.main, ctx, this.anchored);
  }

  toString(): string {
    return `/${this.source}/`;
  }
}

// ---- the automaton ----

const enum Op {
  Char,
  Split,
  Assert,
  Match,
}

type Check = { kind: 'start' } | { kind: 'end' } | { kind: 'word'; negate: boolean } | { kind: 'look'; body: Automaton; negate: boolean };

/** Every state has every field, so the matching loops see one object shape. */
interface State {
  op: Op;
  next: number;
  alt: number;
  set: CharSet | null;
  check: Check | null;
}

interface Automaton {
  states: State[];
  start: number;
  looks: Automaton[];
  /** For the backward pass: the states with a Char op, and each state's epsilon predecessors. */
  charStates: number[];
  preds: number[][];
}

function countStates(a: Automaton): number {
  return a.states.length + a.looks.reduce((n, l) => n + countStates(l), 0);
}

class Builder {
  private total = 0;

  automaton(alternatives: AST.Alternative[]): Automaton {
    const a: Automaton = { states: [], start: 0, looks: [], charStates: [], preds: [] };
    const match = this.add(a, { op: Op.Match, next: -1, alt: -1 });
    a.start = this.alternation(a, alternatives, match);
    a.preds = a.states.map(() => []);
    a.states.forEach((s, i) => {
      if (s.op === Op.Char) a.charStates.push(i);
      if (s.op === Op.Split || s.op === Op.Assert) a.preds[s.next]!.push(i);
      if (s.op === Op.Split && s.alt !== s.next) a.preds[s.alt]!.push(i);
    });
    return a;
  }

  private add(a: Automaton, fields: Pick<State, 'op' | 'next' | 'alt'> & Partial<State>): number {
    const s: State = { set: null, check: null, ...fields };
    if (++this.total > MAX_STATES) throw new UnsupportedPatternError(`the pattern is too large for the linear matcher (more than ${MAX_STATES} states: use fewer or smaller {n,m} repeats)`);
    a.states.push(s);
    return a.states.length - 1;
  }

  /** Compiles `alternatives` to run before `next`; returns the entry state. */
  private alternation(a: Automaton, alternatives: AST.Alternative[], next: number): number {
    const entries = alternatives.map((alt) => alt.elements.reduceRight((n, el) => this.element(a, el, n), next));
    return entries.reduceRight((rest, entry) => this.add(a, { op: Op.Split, next: entry, alt: rest }));
  }

  private element(a: Automaton, el: AST.Element, next: number): number {
    switch (el.type) {
      case 'Character':
      case 'CharacterSet':
      case 'CharacterClass':
        return this.add(a, { op: Op.Char, next, alt: -1, set: charSetOf(el) });
      case 'Group':
      case 'CapturingGroup':
        return this.alternation(a, el.alternatives, next);
      case 'Quantifier':
        return this.quantifier(a, el, next);
      case 'Assertion':
        return this.add(a, { op: Op.Assert, next, alt: -1, check: this.check(a, el) });
      case 'Backreference':
        throw new UnsupportedPatternError(`a backreference (${el.raw}) cannot be matched in linear time: repeat the text instead`);
      default:
        throw new UnsupportedPatternError(`"${el.raw}" is not supported by the linear matcher`);
    }
  }

  private check(a: Automaton, el: AST.Assertion): Check {
    switch (el.kind) {
      case 'start':
      case 'end':
        return { kind: el.kind };
      case 'word':
        return { kind: 'word', negate: el.negate };
      case 'lookbehind':
        throw new UnsupportedPatternError(`a lookbehind (${el.raw}) is not supported by the linear matcher: use a lookahead or a plain pattern`);
      case 'lookahead': {
        const body = this.automaton(el.alternatives);
        a.looks.push(body);
        return { kind: 'look', body, negate: el.negate };
      }
    }
  }

  private quantifier(a: Automaton, q: AST.Quantifier, next: number): number {
    let entry = next;
    if (q.max === Infinity) {
      const loop = this.add(a, { op: Op.Split, next: -1, alt: next });
      a.states[loop]!.next = this.element(a, q.element, loop);
      entry = loop;
    } else {
      for (let i = q.min; i < q.max; i++) entry = this.add(a, { op: Op.Split, next: this.element(a, q.element, entry), alt: next });
    }
    for (let i = 0; i < q.min; i++) entry = this.element(a, q.element, entry);
    return entry;
  }
}

// ---- character sets (UTF-16 code units, as RegExp without the u flag) ----

interface CharSet {
  ascii: Uint8Array;
  /** Inclusive [from, to] pairs for code units >= 128, before `negate`. */
  ranges: number[];
  negate: boolean;
}

const DIGIT = [0x30, 0x39];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const SPACE = [9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
const LINE_TERMINATORS = [10, 10, 13, 13, 0x2028, 0x2029];

function complement(ranges: number[]): number[] {
  const sorted: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) sorted.push([ranges[i]!, ranges[i + 1]!]);
  sorted.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  let from = 0;
  for (const [lo, hi] of sorted) {
    if (lo > from) out.push(from, lo - 1);
    from = Math.max(from, hi + 1);
  }
  if (from <= 0xffff) out.push(from, 0xffff);
  return out;
}

function escapeRanges(el: AST.CharacterSet): number[] {
  if (el.kind === 'any') return complement(LINE_TERMINATORS);
  if (el.kind === 'property') throw new UnsupportedPatternError(`"${el.raw}" is not supported by the linear matcher`);
  const base = el.kind === 'digit' ? DIGIT : el.kind === 'word' ? WORD : SPACE;
  return el.negate ? complement(base) : base;
}

function charRanges(el: AST.Character): number[] {
  if (el.value > 0xffff) throw new UnsupportedPatternError(`"${el.raw}" is not supported by the linear matcher`);
  return [el.value, el.value];
}

function charSetOf(el: AST.Character | AST.CharacterSet | AST.CharacterClass): CharSet {
  let ranges: number[];
  let negate = false;
  if (el.type === 'Character') ranges = charRanges(el);
  else if (el.type === 'CharacterSet') ranges = escapeRanges(el);
  else {
    negate = el.negate;
    ranges = [];
    for (const item of el.elements) {
      if (item.type === 'Character') ranges.push(...charRanges(item));
      else if (item.type === 'CharacterClassRange') ranges.push(item.min.value, item.max.value);
      else if (item.type === 'CharacterSet') ranges.push(...escapeRanges(item));
      else throw new UnsupportedPatternError(`"${item.raw}" is not supported by the linear matcher`);
    }
  }
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = Number(inRanges(ranges, c) !== negate);
  const high: number[] = [];
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i + 1]! >= 128) high.push(ranges[i]!, ranges[i + 1]!);
  return { ascii, ranges: high, negate };
}

function inRanges(ranges: number[], c: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (c >= ranges[i]! && c <= ranges[i + 1]!) return true;
  return false;
}

function matches(set: CharSet, c: number): boolean {
  return c < 128 ? set.ascii[c] === 1 : inRanges(set.ranges, c) !== set.negate;
}

// ---- matching ----

interface Context {
  line: string;
  /** Characters that may be consumed: the line's first MAX_MATCHED_CHARS. */
  n: number;
  looks: Map<Automaton, Uint8Array>;
  meter: WorkMeter;
}

const isWordAt = (line: string, i: number) => i >= 0 && i < line.length && matches(WORD_SET, line.charCodeAt(i));
const WORD_SET: CharSet = { ascii: Uint8Array.from({ length: 128 }, (_, c) => Number(inRanges(WORD, c))), ranges: [], negate: false };

function holds(check: Check, i: number, ctx: Context): boolean {
  switch (check.kind) {
    case 'start':
      return i === 0;
    case 'end':
      return i === ctx.line.length; // a cut line has no end within reach
    case 'word':
      return (isWordAt(ctx.line, i - 1) !== isWordAt(ctx.line, i)) !== check.negate;
    case 'look':
      return (lookahead(check.body, ctx)[i] === 1) !== check.negate;
  }
}

/** Pike-style simulation: the set of states alive at each position, each state at most once. */
function forward(a: Automaton, ctx: Context, anchored: boolean): boolean {
  const k = a.states.length;
  const lists = [new Int32Array(k), new Int32Array(k)];
  const lengths = [0, 0];
  const seen = new Int32Array(k).fill(-1);
  const stack = new Int32Array(k);
  let matched = false;
  // Adds `from` and every state reachable from it without consuming a character to list `into`.
  // (No closures in here: the hot loops stay plain.)
  function add(from: number, i: number, into: number): void {
    if (seen[from] === i) return;
    seen[from] = i;
    const list = lists[into]!;
    let top = 0;
    stack[top++] = from;
    while (top > 0) {
      const s = stack[--top]!;
      ctx.meter.work++;
      const st = a.states[s]!;
      let t1 = -1;
      let t2 = -1;
      if (st.op === Op.Char) list[lengths[into]!++] = s;
      else if (st.op === Op.Match) matched = true;
      else if (st.op === Op.Split) {
        t1 = st.alt;
        t2 = st.next;
      } else if (holds(st.check!, i, ctx)) t1 = st.next;
      if (t1 >= 0 && seen[t1] !== i) {
        seen[t1] = i;
        stack[top++] = t1;
      }
      if (t2 >= 0 && seen[t2] !== i) {
        seen[t2] = i;
        stack[top++] = t2;
      }
    }
  }
  let cur = 0;
  for (let i = 0; i <= ctx.n; i++) {
    if (!anchored || i === 0) add(a.start, i, cur);
    if (matched) return true;
    if (i === ctx.n || (lengths[cur] === 0 && anchored)) return false;
    const c = ctx.line.charCodeAt(i);
    const nxt = 1 - cur;
    lengths[nxt] = 0;
    const list = lists[cur]!;
    for (let j = 0; j < lengths[cur]!; j++) {
      ctx.meter.work++;
      const st = a.states[list[j]!]!;
      if (matches(st.set!, c)) add(st.next, i + 1, nxt);
    }
    cur = nxt;
  }
  return matched;
}

/** For every position i: does the lookahead's body match starting at i? One pass from the end. */
function lookahead(a: Automaton, ctx: Context): Uint8Array {
  const known = ctx.looks.get(a);
  if (known) return known;
  const k = a.states.length;
  const out = new Uint8Array(ctx.n + 1);
  let here = new Uint8Array(k);
  let after = new Uint8Array(k);
  const stack = new Int32Array(k);
  for (let i = ctx.n; i >= 0; i--) {
    here.fill(0);
    let top = 0;
    here[0] = 1; // the Match state
    stack[top++] = 0;
    if (i < ctx.n) {
      const c = ctx.line.charCodeAt(i);
      for (const s of a.charStates) {
        ctx.meter.work++;
        const st = a.states[s]!;
        if (after[st.next] === 1 && matches(st.set!, c)) {
          here[s] = 1;
          stack[top++] = s;
        }
      }
    }
    while (top > 0) {
      const t = stack[--top]!;
      ctx.meter.work++;
      for (const p of a.preds[t]!) {
        if (here[p] === 1) continue;
        const st = a.states[p]!;
        if (st.op === Op.Assert && !holds(st.check!, i, ctx)) continue;
        here[p] = 1;
        stack[top++] = p;
      }
    }
    out[i] = here[a.start]!;
    const swap = here;
    here = after;
    after = swap;
  }
  ctx.looks.set(a, out);
  return out;
}
