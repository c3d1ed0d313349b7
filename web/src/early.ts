// The first load's requests, started beside the session check (GET /api/v1/auth/status) instead of after it, so
// the first paint waits for one round trip, not two: the saved config (the auto-refresh default, the overview's
// pins) on every route, and the overview's stats when the page opens on the overview. They are quiet — a 401
// shows no sign-in form, the session check decides that — and one refused quietly is asked again, loudly, when
// it is used, which is only once the session is known to be good. What no page takes is aborted.
import { ApiError, getJson, type RequestOptions } from './api';
import { loadConfig } from './config';
import { resolveRange, type TimeRange } from './range';
import type { AppState } from './state';
import type { DashboardConfig, DashboardStats } from './types';

export interface EarlyFetchers {
  stats(range: TimeRange, signal: AbortSignal, options: RequestOptions): Promise<DashboardStats>;
  config(signal: AbortSignal, options: RequestOptions): Promise<DashboardConfig>;
}

const network: EarlyFetchers = {
  stats: (range, signal, options) =>
    getJson<DashboardStats>('/api/v1/dashboard/stats', { start_time: range.start, end_time: range.end }, signal, options),
  config: (signal, options) => loadConfig(signal, options),
};

/** What the overview's first load takes instead of asking itself: its stats for `range`, and the config. */
export interface FirstLoad {
  range: TimeRange;
  stats: Promise<DashboardStats>;
  config: Promise<DashboardConfig>;
  /** Aborts the stats request (the config is the shell's too). */
  abort(): void;
}

export interface EarlyLoads {
  /** The saved config; the same promise for every caller. */
  config(): Promise<DashboardConfig>;
  /** The overview's first load: once, for the overview showing the range it was asked for; otherwise null (and aborted). */
  takeFirstLoad(state: AppState): FirstLoad | null;
  /** Aborts what nobody has taken (the session needs a sign-in, or the first page took nothing). */
  discard(): void;
}

/** The range parameters as one key: stats asked for one range answer only a page showing the same range. */
export function rangeKey(params: Record<string, string>): string {
  return JSON.stringify([params.range ?? '', params.from ?? '', params.to ?? '']);
}

interface Early<T> {
  use(): Promise<T>;
  readonly used: boolean;
  abort(): void;
}

function early<T>(run: (signal: AbortSignal, options: RequestOptions) => Promise<T>): Early<T> {
  const controller = new AbortController();
  const quiet = run(controller.signal, { quiet: true });
  quiet.catch(() => undefined); // a request nobody takes fails as nobody's error
  let used: Promise<T> | null = null;
  return {
    use() {
      if (!used) {
        used = quiet.catch((e) => (e instanceof ApiError && e.unauthorized ? run(controller.signal, {}) : Promise.reject(e)));
        used.catch(() => undefined); // each taker handles its own failure
      }
      return used;
    },
    get used() {
      return used !== null;
    },
    abort: () => controller.abort(),
  };
}

/** Starts the first load's requests for the page the URL opens on. */
export function startEarly(state: AppState, now: number, fetchers: EarlyFetchers = network): EarlyLoads {
  const config = early((signal, options) => fetchers.config(signal, options));
  let stats: { key: string; range: TimeRange; request: Early<DashboardStats> } | null = null;
  if (state.route === 'overview') {
    const range = resolveRange(state.params, now);
    stats = { key: rangeKey(state.params), range, request: early((signal, options) => fetchers.stats(range, signal, options)) };
  }
  return {
    config: () => config.use(),
    takeFirstLoad(current) {
      const taken = stats;
      stats = null;
      if (!taken) {
        return null;
      }
      if (current.route !== 'overview' || rangeKey(current.params) !== taken.key) {
        taken.request.abort();
        return null;
      }
      return { range: taken.range, stats: taken.request.use(), config: config.use(), abort: taken.request.abort };
    },
    discard() {
      stats?.request.abort();
      stats = null;
      if (!config.used) {
        config.abort();
      }
    },
  };
}
