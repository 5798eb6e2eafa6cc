// Reading lesson.yaml's mappings: the fields a part may have (an unknown one is a problem, with its line).
import { isScalar, type Node, type YAMLMap } from 'yaml';

/** Reports a problem at a node of the file (its line), or of the file when there is none. */
export type Problem = (node: Node | null | undefined, message: string) => void;

export function fields(map: YAMLMap, allowed: string[], problem: Problem, what: string): Record<string, Node | undefined> {
  const out: Record<string, Node | undefined> = {};
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!allowed.includes(key)) problem(pair.key as Node, `unknown field "${key}" in ${what} (allowed: ${allowed.join(', ')})`);
    else out[key] = (pair.value ?? undefined) as Node | undefined;
  }
  return out;
}

export function scalarOf(node: Node | undefined): unknown {
  return node && isScalar(node) ? node.value : undefined;
}

/** missingText reports a language without text: an error, or for an imported lesson a warning (the source language stands in). */
