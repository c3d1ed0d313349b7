// The Alerts page's pure parts: a monitor's status as a class and words, a series as chart columns, and the order
// monitors are shown in (worst first).
import type { MonitorJson, MonitorReadingJson } from './types';

export type StatusKind = 'ok' | 'warning' | 'critical' | 'no-data';

/** The server's status (ok, warning, critical, no_data) as a CSS-friendly kind; anything else is no data. */
export function statusKind(status: string | undefined | null): StatusKind {
  switch ((status ?? '').toLowerCase().replace(/[^a-z]/g, '')) {
    case 'ok':
      return 'ok';
    case 'warning':
      return 'warning';
    case 'critical':
      return 'critical';
    default:
      return 'no-data';
  }
}

export const STATUS_TEXT: Record<StatusKind, string> = { ok: 'OK', warning: 'Warning', critical: 'Critical', 'no-data': 'No data' };

const RANK: Record<StatusKind, number> = { critical: 0, warning: 1, ok: 2, 'no-data': 3 };

/** Critical first, then warning, ok and no data; by name within a status. */
export function sortMonitors(list: readonly MonitorJson[]): MonitorJson[] {
  return [...list].sort((a, b) => RANK[statusKind(a.status)] - RANK[statusKind(b.status)] || a.name.localeCompare(b.name));
}

export interface BandColumns {
  /** Each point at the middle of its window, in ms. */
  times: number[];
  observed: (number | null)[];
  expected: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
}

/** A monitor's series (any order) as columns in time order, for a chart of observed against the baseline band. */
export function bandColumns(series: readonly MonitorReadingJson[] | null | undefined): BandColumns {
  const sorted = [...(series ?? [])].sort((a, b) => a.start_ms - b.start_ms);
  const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    times: sorted.map((p) => p.start_ms),
    observed: sorted.map((p) => num(p.observed)),
    expected: sorted.map((p) => num(p.expected)),
    lower: sorted.map((p) => num(p.lower)),
    upper: sorted.map((p) => num(p.upper)),
  };
}

/** An alert history state as a class: firing, resolved, suppressed, silenced (else "other"). */
export function alertStateKind(state: string | undefined): string {
  const s = (state ?? '').toLowerCase();
  return ['firing', 'resolved', 'suppressed', 'silenced'].includes(s) ? s : 'other';
}
