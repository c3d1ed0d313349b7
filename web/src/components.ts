// Small pieces every page uses: state messages, times, levels, stat tiles, top lists, the query error caret.
import { ApiError } from './api';
import { h } from './dom';
import { formatInteger, formatLocalTime, formatNumber, formatUtcTitle } from './format';
import { errorCaret } from './query-text';

/** A message for a loading, empty or failed state that says what to do next. */
export function notice(kind: 'loading' | 'empty' | 'error', text: string, ...extra: (Node | string)[]): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'aria-busy': kind === 'loading' ? 'true' : null },
    h('p', null, text), ...extra);
}

export function loading(what = 'Loading…'): HTMLElement {
  return notice('loading', what);
}

/** An error as a notice, with a retry button when there is something to retry. */
export function errorNotice(error: unknown, retry?: () => void): HTMLElement {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const hint = error instanceof ApiError ? hintFor(error) : '';
  return notice('error', message,
    ...(hint ? [h('p', { class: 'hint' }, hint)] : []),
    ...(retry ? [h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry')] : []));
}

function hintFor(error: ApiError): string {
  switch (error.code) {
    case 'insufficient_scope':
      return 'This key may not do that; sign in with a key that has the scope.';
    case 'query_timeout':
      return 'Narrow the time range or the query, then retry.';
    case 'too_many_queries':
    case 'query_memory':
    case 'recovering':
      return 'The server is busy; retry in a few seconds.';
    case 'not_found':
      return 'It may have been removed by retention, or the link is wrong.';
    default:
      return error.status >= 500 ? 'The server could not answer; retry, and check its log if it keeps failing.' : '';
  }
}

/** A curl line that sends a test event to this server, for empty states. */
export function curlExample(keysRequired: boolean): HTMLElement {
  const key = keysRequired ? ` -H 'Authorization: Bearer <ingest key>'` : '';
  const line = `curl -X POST ${location.origin}/log -H 'Content-Type: application/json'${key} ` +
    `-d '{"level":"info","service":"demo","message":"hello from curl"}'`;
  return h('pre', { class: 'curl' }, h('code', null, line));
}

/** A time in the browser's zone, with UTC on hover. */
export function timeText(ms: number, text = formatLocalTime(ms)): HTMLElement {
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  return h('time', { datetime: iso, title: formatUtcTitle(ms) }, text);
}

export function levelBadge(level: string | undefined): HTMLElement {
  const name = (level ?? '').toLowerCase();
  return h('span', { class: `level level-${name.replace(/[^a-z]/g, '')}` }, name || '—');
}

export function decisionBadge(decision: string | undefined): HTMLElement {
  const name = decision ?? '';
  return h('span', { class: `decision decision-${name.toLowerCase().replace(/[^a-z]/g, '')}` }, name || '—');
}

/** A stat tile: the formatted value as text and the exact number in data-value (tests read it). */
export function statTile(testid: string, label: string, value: number | null | undefined, text: string, title?: string): HTMLElement {
  return h('div', { class: 'tile' },
    h('div', { class: 'tile-label' }, label),
    h('div', {
      class: 'tile-value',
      'data-testid': testid,
      'data-value': value === null || value === undefined ? '' : String(value),
      title: title ?? (typeof value === 'number' ? formatInteger(value) : null),
    }, text));
}

/** A small "top values" table; each value links where `href` says (Explore filtered on it). */
export function topTable(testid: string, title: string, rows: { value: string; count: number }[], href: (value: string) => string): HTMLElement {
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  return h('section', { class: 'panel top', 'data-testid': testid },
    h('h3', null, title),
    rows.length === 0
      ? h('p', { class: 'muted small' }, 'Nothing in this range.')
      : h('table', { class: 'top-table' },
        h('tbody', null, rows.map((r) => h('tr', null,
          h('td', { class: 'top-value' }, h('a', { href: href(r.value), title: `Explore events where this is ${r.value}` }, r.value === '' ? '(empty)' : r.value)),
          h('td', { class: 'num', title: formatInteger(r.count), 'data-value': String(r.count) }, formatNumber(r.count)),
          h('td', { class: 'bar-cell' }, shareBar(total > 0 ? r.count / total : 0)))))));
}

/** A thin bar for a share of 0..1 (width from JS: the CSP refuses style attributes in markup). */
export function shareBar(share: number): HTMLElement {
  const fill = h('span', { class: 'share-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return h('span', { class: 'share' }, fill);
}

/**
 * A query error: the message, and the query text again with the named character highlighted under a caret.
 * The server counts positions from 1; data-position carries its number unchanged.
 */
export function queryError(text: string, error: { message: string; position?: number }, prefix = 'query'): HTMLElement {
  const box = h('div', { class: 'query-error', role: 'alert', 'data-testid': `${prefix}-error`, 'data-position': error.position === undefined ? null : String(error.position) },
    h('p', { class: 'query-error-message' }, error.message));
  if (error.position !== undefined) {
    const caret = errorCaret(text, error.position);
    box.appendChild(h('pre', { class: 'caret-line', 'data-testid': `${prefix}-error-caret`, 'data-position': String(error.position), 'aria-hidden': 'true' },
      caret.before,
      h('mark', { class: caret.at ? 'caret-char' : 'caret-char caret-end' }, caret.at || ' '),
      caret.after,
      '\n',
      h('span', { class: 'caret-mark' }, `${' '.repeat(caret.index)}^`)));
  }
  return box;
}
