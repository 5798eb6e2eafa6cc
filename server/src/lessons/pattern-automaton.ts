// The automaton behind linear-pattern.ts: a JavaScript pattern (as parsed by regexpp) compiled to states
// that consume one character (Char), branch (Split), test the position (Assert: ^ $ \b \B, a lookahead,
// whose body is an automaton of its own) or accept (Match). Character sets are UTF-16 code units, as in a
// RegExp without the u flag.
import type { AST } from '@eslint-community/regexpp';

/** A pattern that compiles to more states than this (e.g. nested {n,m}) is refused. */
export const MAX_STATES = 2000;

export class UnsupportedPatternError extends Error {}


export const Op = { Char: 0, Split: 1, Assert: 2, Match: 3 } as const;
export type Op = (typeof Op)[keyof typeof Op];

export type Check = { kind: 'start' } | { kind: 'end' } | { kind: 'word'; negate: boolean } | { kind: 'look'; body: Automaton; negate: boolean };

/** Every state has every field, so the matching loops see one object shape. */
export interface State {
  op: Op;
  next: number;
  alt: number;
  set: CharSet | null;
  check: Check | null;
}

export interface Automaton {
  states: State[];
  start: number;
  looks: Automaton[];
  /** For the backward pass: the states with a Char op, and each state's epsilon predecessors. */
  charStates: number[];
  preds: number[][];
}

export function countStates(a: Automaton): number {
  return a.states.length + a.looks.reduce((n, l) => n + countStates(l), 0);
}

export class Builder {
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


export interface CharSet {
  ascii: Uint8Array;
  /** Inclusive [from, to] pairs for code units >= 128, before `negate`. */
  ranges: number[];
  negate: boolean;
}

const DIGIT = [0x30, 0x39];
export const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
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

export function inRanges(ranges: number[], c: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (c >= ranges[i]! && c <= ranges[i + 1]!) return true;
  return false;
}

export function matches(set: CharSet, c: number): boolean {
  return c < 128 ? set.ascii[c] === 1 : inRanges(set.ranges, c) !== set.negate;
}
