// The Patterns page's pure parts: its URL filters, the trend label, the sparklines' data from one aggregate call
// and their SVG path, and the Explore query a pattern opens.
import { filterTerm, quoteValue } from './query-text';
import type { AggregateAnswer, PatternTrend } from './types';

export interface PatternFilters {
  /** Comma lists, as the URL and the endpoint take them. */
  service: string;
  level: string;
  /** At least this many events in the range (the endpoint's min_frequency); 1 when the URL says nothing usable. */
  minFrequency: number;
}

/** The filters in the URL (`service`, `level`, `min`); an unreadable `min` is the endpoint's default, 1. */
export function patternFilters(params: Record<string, string>): PatternFilters {
  const min = /^\d+$/.test((params.min ?? '').trim()) ? Number(params.min.trim()) : 1;
  return {
    service: listParam(params.service),
    level: listParam(params.level),
    minFrequency: Number.isSafeInteger(min) ? min : 1,
  };
}

/** A comma list without blanks or spaces around its items. */
export function listParam(text: string | undefined): string {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean).join(',');
}

/** URL parameters for the filters: defaults are left out, so an unfiltered view has a short link. */
export function patternFilterParams(f: PatternFilters): Record<string, string | null> {
  return { service: listParam(f.service) || null, level: listParam(f.level) || null, min: f.minFrequency === 1 ? null : String(f.minFrequency) };
}

export interface TrendLabel {
  text: string;
  /** trend-new, trend-gone, trend-up, trend-down, trend-steady. */
  className: string;
  title: string;
}

/** How a trend reads: "new" and "gone" as words, up and down by their factor (×3, ×0.25 reads "↓ 4×"). */
export function trendLabel(trend: PatternTrend | string | undefined, change: number | null | undefined, previous: number | undefined): TrendLabel {
  const before = previous === undefined ? '' : ` (${previous} in the range before)`;
  switch (trend) {
    case 'new':
      return { text: 'new', className: 'trend-new', title: 'Not seen in the range of equal length before' };
    case 'gone':
      return { text: 'gone', className: 'trend-gone', title: `None in this range${before}` };
    case 'up':
      return { text: `↑ ${factor(change)}×`, className: 'trend-up', title: `Up ${factor(change)} times${before}` };
    case 'down': {
      const f = typeof change === 'number' && change > 0 ? factor(1 / change) : '∞';
      return { text: `↓ ${f}×`, className: 'trend-down', title: `Down ${f} times${before}` };
    }
    default:
      return { text: 'steady', className: 'trend-steady', title: `Within a factor of 2 of the range before${before}` };
  }
}

/** A factor rounded for reading: 2.5, 12, 130. */
export function factor(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return '∞';
  }
  if (value >= 100) {
    return String(Math.round(value));
  }
  if (value >= 10) {
    return String(Math.round(value * 10) / 10).replace(/\.0$/, '');
  }
  return String(Math.round(value * 100) / 100);
}

/** The Explore query of one pattern's events. */
export function patternQuery(id: string): string {
  return filterTerm('pattern_id', id);
}

/** The aggregate query for the sparklines: log events of the listed patterns, under the page's filters. */
export function sparklineQuery(ids: readonly string[], f: PatternFilters): string {
  const parts = ['kind:log'];
  const anyOf = (field: string, values: readonly string[]): string | null =>
    values.length === 0 ? null : values.length === 1 ? filterTerm(field, values[0]) : `${field}:(${values.map(quoteValue).join(' OR ')})`;
  for (const term of [anyOf('service', split(f.service)), anyOf('level', split(f.level)), anyOf('pattern_id', ids)]) {
    if (term) {
      parts.push(term);
    }
  }
  return parts.join(' ');
}

const split = (list: string): string[] => (list ? list.split(',') : []);

export interface Sparklines {
  times: number[];
  /** Counts per pattern id, one per time (0 where none fell). */
  counts: Map<string, number[]>;
}

/** An aggregate answer grouped by pattern_id and time as one count array per pattern over the sorted times. */
export function sparklines(answer: AggregateAnswer): Sparklines {
  const rows = answer.buckets ?? [];
  const toMs = (t: unknown): number => (typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : NaN);
  const times = [...new Set(rows.map((r) => toMs(r.time)).filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const counts = new Map<string, number[]>();
  for (const row of rows) {
    const id = row.pattern_id;
    const at = index.get(toMs(row.time));
    if (typeof id !== 'string' || at === undefined) {
      continue;
    }
    let list = counts.get(id);
    if (!list) {
      list = new Array<number>(times.length).fill(0);
      counts.set(id, list);
    }
    list[at] += typeof row.count === 'number' ? row.count : 0;
  }
  return { times, counts };
}

/**
 * An SVG path through the counts in a width × height box: the first at x 0, the last at the width, 0 on the
 * bottom edge and the largest on the top (a line along the bottom when all are 0). Empty with no counts.
 */
export function sparkPath(values: readonly number[], width: number, height: number, pad = 1): string {
  if (values.length === 0) {
    return '';
  }
  const max = Math.max(...values, 0);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number): number => (max > 0 ? height - pad - (v / max) * (height - 2 * pad) : height - pad);
  const r = (n: number): string => String(Math.round(n * 10) / 10);
  const points = values.length === 1 ? [values[0], values[0]] : values;
  const dx = values.length === 1 ? width : step;
  return points.map((v, i) => `${i === 0 ? 'M' : 'L'}${r(i * dx)},${r(y(v))}`).join(' ');
}
