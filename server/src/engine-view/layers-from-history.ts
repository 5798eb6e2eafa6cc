// Which history entry made which layer. The Engine API's history lists every instruction, newest first,
// without saying which ones made a layer (ENV, CMD, LABEL… make none); the image's RootFS lists its layers,
// oldest first. An entry with a size made a layer; RUN, COPY and ADD make one even when it is empty.
import type { PictureLayer } from '@berth/shared';

export interface HistoryEntry {
  createdBy: string;
  size: number;
}

const MAKES_A_LAYER = /^(\/bin\/sh -c (?!#\(nop\))|RUN\b|COPY\b|ADD\b|\/bin\/sh -c #\(nop\) (ADD|COPY)\b)/;
const INSTRUCTION_MAX = 300;

/** The instruction as a learner wrote it: "RUN apt-get …", not "/bin/sh -c #(nop)  CMD […]" or "|1 X=y /bin/sh -c …". */
export function instructionText(createdBy: string): string {
  let s = createdBy.trim();
  s = s.replace(/^\|\d+ (\S+=\S* )*/, ''); // build args BuildKit puts before a RUN
  const nop = /^\/bin\/sh -c #\(nop\)\s+/.exec(s);
  if (nop) s = s.slice(nop[0].length);
  else if (s.startsWith('/bin/sh -c ')) s = `RUN ${s.slice('/bin/sh -c '.length)}`;
  else if (s.startsWith('RUN /bin/sh -c ')) s = `RUN ${s.slice('RUN /bin/sh -c '.length)}`;
  s = s.replace(/ # buildkit$/, '').replace(/\s+/g, ' ');
  return s.length > INSTRUCTION_MAX ? `${s.slice(0, INSTRUCTION_MAX - 1)}…` : s;
}

/** diffIds: the image's layers, oldest first. history: as the Engine API gives it, newest first. */
export function layersFromHistory(diffIds: string[], history: HistoryEntry[]): PictureLayer[] {
  const oldestFirst = [...history].reverse();
  let makers = oldestFirst.filter((h) => h.size > 0 || MAKES_A_LAYER.test(h.createdBy.replace(/^\|\d+ (\S+=\S* )*/, '')));
  // Too many candidates (an empty RUN that made no layer): the empty ones go first, oldest first.
  const dropped = new Set<HistoryEntry>();
  for (const h of makers) {
    if (makers.length - dropped.size <= diffIds.length) break;
    if (h.size === 0) dropped.add(h);
  }
  makers = makers.filter((h) => !dropped.has(h));
  if (makers.length > diffIds.length) makers = makers.slice(makers.length - diffIds.length);
  // Fewer entries than layers (a squashed or imported image): the oldest layers go without an instruction.
  const offset = diffIds.length - makers.length;
  return diffIds.map((id, i) => {
    const entry = i >= offset ? makers[i - offset] : undefined;
    return { id, size: entry?.size ?? 0, createdBy: entry ? instructionText(entry.createdBy) : '' };
  });
}
