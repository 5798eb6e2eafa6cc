/** One line of the benchmark table. */
export interface Row {
  what: string;
  figure: string;
  target: string;
}

/** The p-th percentile (nearest rank) of xs. */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
