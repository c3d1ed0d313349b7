// The time range every page reads: a preset relative to now (range=15m|1h|24h|7d) or a fixed window
// (from=ISO&to=ISO). Resolution is pure (now is passed in) so it can be tested and so one refresh uses one clock.

export const PRESETS: Readonly<Record<string, number>> = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
};

export const DEFAULT_PRESET = '1h';

export interface RangeParams {
  range?: string;
  from?: string;
  to?: string;
}

export interface TimeRange {
  start: number;
  end: number;
  /** The preset in force, or null for a fixed from/to window. */
  preset: string | null;
}

/** Reads the range from URL parameters; anything unreadable falls back to the default preset. */
export function resolveRange(params: RangeParams, now: number): TimeRange {
  if (params.from !== undefined || params.to !== undefined) {
    const start = parseInstant(params.from);
    const end = params.to === undefined || params.to === '' ? now : parseInstant(params.to);
    if (start !== null && end !== null && end > start) {
      return { start, end, preset: null };
    }
  }
  const preset = params.range !== undefined && params.range in PRESETS ? params.range : DEFAULT_PRESET;
  return { start: now - PRESETS[preset], end: now, preset };
}

/** An instant as ISO-8601 or epoch milliseconds; null when it is neither. */
export function parseInstant(text: string | undefined | null): number | null {
  if (text === undefined || text === null || text.trim() === '') {
    return null;
  }
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed);
    return Number.isSafeInteger(ms) ? ms : null;
  }
  // Only ISO-like text: Date.parse also takes loose formats that differ between browsers.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    return null;
  }
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

/** URL parameters for a fixed window (drag-zoom on a chart, custom inputs). */
export function fixedRangeParams(start: number, end: number): Record<string, string | null> {
  return { range: null, from: new Date(Math.round(start)).toISOString(), to: new Date(Math.round(end)).toISOString() };
}

/** URL parameters for a preset. */
export function presetParams(preset: string): Record<string, string | null> {
  return { range: preset, from: null, to: null };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The value a datetime-local input shows for an instant, in the browser's zone ("2026-01-02T03:04"). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (local wall time, no zone) as an instant; null when empty or malformed. */
export function fromLocalInput(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) {
    return null;
  }
  const [, y, mo, d, hh, mm, ss] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss ?? 0));
  return Number.isNaN(date.getTime()) ? null : date.getTime();
}

const BUCKETS: readonly [string, number][] = [
  ['10s', 10_000], ['30s', 30_000], ['1m', 60_000], ['5m', 300_000], ['15m', 900_000],
  ['30m', 1_800_000], ['1h', 3_600_000], ['3h', 10_800_000], ['6h', 21_600_000], ['12h', 43_200_000], ['1d', 86_400_000],
];

/** The smallest round bucket that cuts a span into at most maxBuckets pieces (for formula series). */
export function pickBucket(spanMs: number, maxBuckets = 120): string {
  for (const [label, size] of BUCKETS) {
    if (spanMs / size <= maxBuckets) {
      return label;
    }
  }
  return `${Math.ceil(spanMs / maxBuckets / 86_400_000)}d`;
}

/** A short description of a range for headings: "last 1h" or the two local times. */
export function describeRange(range: TimeRange, format: (ms: number) => string): string {
  return range.preset ? `last ${range.preset}` : `${format(range.start)} → ${format(range.end)}`;
}
