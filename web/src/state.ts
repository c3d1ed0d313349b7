// The URL is the whole state of the app: the route is the path, everything else is in the query string, so a
// link can be shared and Back works. These functions are pure; history is touched only in router.ts.

export type Route = 'overview' | 'explore' | 'live' | 'traffic' | 'formulas' | 'patterns' | 'alerts' | 'trace' | 'notfound';

export interface AppState {
  route: Route;
  /** The trace id of /trace/{id}; empty elsewhere. */
  traceId: string;
  params: Record<string, string>;
}

const PATHS: Record<string, Route> = {
  '/': 'overview',
  '/explore': 'explore',
  '/live': 'live',
  '/traffic': 'traffic',
  '/formulas': 'formulas',
  '/patterns': 'patterns',
  '/alerts': 'alerts',
};

// Parameters in a fixed order, so the same state always gives the same URL (a stable link, an honest Back).
const ORDER = ['q', 'f', 'range', 'from', 'to', 'refresh', 'facet', 'event', 'domain', 'decision', 'country', 'path', 'gran', 'date', 'hour', 'service', 'level', 'min', 'monitor'];

export function parseLocation(pathname: string, search: string): AppState {
  const params: Record<string, string> = {};
  new URLSearchParams(search).forEach((value, key) => {
    if (value !== '' && !(key in params)) {
      params[key] = value;
    }
  });
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const trace = /^\/trace\/(.+)$/.exec(path);
  if (trace) {
    let traceId: string;
    try {
      traceId = decodeURIComponent(trace[1]);
    } catch {
      traceId = trace[1];
    }
    return { route: 'trace', traceId, params };
  }
  return { route: PATHS[path] ?? 'notfound', traceId: '', params };
}

export function routePath(route: Route, traceId = ''): string {
  switch (route) {
    case 'overview':
      return '/';
    case 'trace':
      return `/trace/${encodeURIComponent(traceId)}`;
    case 'notfound':
      return '/';
    default:
      return `/${route}`;
  }
}

/** Path plus query string for a state; empty parameters are left out. */
export function formatLocation(state: AppState): string {
  const keys = Object.keys(state.params).filter((k) => state.params[k] !== '');
  keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const query = keys.map((k) => `${encodeParam(k)}=${encodeParam(state.params[k])}`).join('&');
  return routePath(state.route, state.traceId) + (query ? `?${query}` : '');
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i < 0 ? ORDER.length : i;
}

/** Percent-encoding that keeps query text readable (level:error, path:/api/*) and reads back with URLSearchParams. */
export function encodeParam(text: string): string {
  return encodeURIComponent(text)
    .replace(/%3A/gi, ':')
    .replace(/%2F/gi, '/')
    .replace(/%2C/gi, ',')
    .replace(/%40/gi, '@')
    .replace(/%20/g, '+');
}

/** A copy of the state with some parameters set (a null, undefined or empty value removes one). */
export function withParams(state: AppState, patch: Record<string, string | null | undefined>): AppState {
  const params = { ...state.params };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === '') {
      delete params[key];
    } else {
      params[key] = value;
    }
  }
  return { ...state, params };
}

/** The parameters that carry over when moving to another page (the range and auto-refresh). */
export function sharedParams(state: AppState): Record<string, string> {
  const shared: Record<string, string> = {};
  for (const key of ['range', 'from', 'to', 'refresh']) {
    if (state.params[key]) {
      shared[key] = state.params[key];
    }
  }
  return shared;
}

/** A link to another page that keeps the range, plus parameters of its own. */
export function linkTo(from: AppState, route: Route, extra: Record<string, string> = {}, traceId = ''): string {
  return formatLocation({ route, traceId, params: { ...sharedParams(from), ...extra } });
}
