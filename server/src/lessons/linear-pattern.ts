// Command-line patterns matched in time linear in the line. A lesson's `ran` and `match` regexes are
// tested against whatever a learner types, and V8's backtracking takes seconds on some of them for one
// long line (the whole server waits). This engine takes the same JavaScript syntax (no flags), compiles
// it to an automaton and answers RegExp.prototype.test's question (does it match anywhere?) by following
// every path at once: at most WORK_PER_STATE work per automaton state and character, whatever is typed.
// A lookahead is a predicate on a position, computed for the whole line in one backward pass.
// Backreferences (no linear algorithm exists) and lookbehinds (no lesson needs one) are refused.
import { RegExpParser } from '@eslint-community/regexpp';
import { Builder, countStates, inRanges, matches, Op, WORD, type Automaton, type Check, type CharSet } from './pattern-automaton.js';

export { MAX_STATES, UnsupportedPatternError } from './pattern-automaton.js';

/** A line longer than this is matched on its first MAX_MATCHED_CHARS characters (see lessons/README.md). */
export const MAX_MATCHED_CHARS = 4096;
/** The work bound: one test() costs at most this × (states + 1) × (characters + 1) steps. */
export const WORK_PER_STATE = 4;


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

// ---- matching ----

interface Context {
  line: string;
  /** Characters that may be consumed: the line's first MAX_MATCHED_CHARS. */
  n: number;
  looks: Map<Automaton, Uint8Array>;
  meter: WorkMeter;
}

// Plain numbers in the hot loops.
const CHAR = Op.Char;
const SPLIT = Op.Split;
const ASSERT = Op.Assert;
const MATCH = Op.Match;

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
      if (st.op === CHAR) list[lengths[into]!++] = s;
      else if (st.op === MATCH) matched = true;
      else if (st.op === SPLIT) {
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
        if (st.op === ASSERT && !holds(st.check!, i, ctx)) continue;
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
