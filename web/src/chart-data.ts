// Pure data shaping for charts, kept apart from uPlot so it can be tested in Node.

/**
 * Running totals for a stacked chart: row i is the sum of rows 0..i, so drawing each row from zero (topmost
 * first) shows the stack. Missing or non-finite values count as 0.
 */
export function stack(rows: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  let previous: number[] | null = null;
  for (const row of rows) {
    const current = row.map((v, i) => (Number.isFinite(v) ? v : 0) + (previous ? previous[i] ?? 0 : 0));
    out.push(current);
    previous = current;
  }
  return out;
}

/**
 * Orders the keys of a series map for stacking: the known order first (most severe at the bottom, where it is
 * easiest to see), then the rest by name.
 */
export function orderKeys(keys: readonly string[], known: readonly string[]): string[] {
  const rank = (k: string): number => {
    const i = known.indexOf(k);
    return i < 0 ? known.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export const LEVEL_ORDER = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
export const DECISION_ORDER = ['block', 'challenge', 'allow'];

/** Series values aligned to the times, padded or cut to the same length (uPlot needs equal lengths). */
export function align(values: readonly number[] | undefined, length: number): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    const v = values?.[i];
    out[i] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  }
  return out;
}
