// Alerts: the monitors as tiles coloured by status (observed against expected, and the summary), the selected
// monitor's hourly chart with its baseline band (?monitor=<id>), what fires now, the recent history, and the rules.
import { getJson, isAbort } from '../api';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { bandChart, type Chart } from '../charts';
import { errorNotice, loading, notice, timeText } from '../components';
import { h, replace } from '../dom';
import { formatInteger, formatLocalTime, formatNumber } from '../format';
import { alertStateKind, bandColumns, sortMonitors, STATUS_TEXT, statusKind } from '../monitors-view';
import { resolveRange } from '../range';
import { linkTo, type AppState } from '../state';
import { cssVar } from '../theme';
import type { AlertHistoryLine, AlertRuleJson, FiringAlert, MonitorJson } from '../types';

const HISTORY_LIMIT = 100;
const MIN_HOURS = 24;
const MAX_HOURS = 336;

/** The hours of the monitor chart: the top bar's range, at least a day (points are hourly), at most 14 days. */
export function chartHours(spanMs: number): number {
  return Math.min(MAX_HOURS, Math.max(MIN_HOURS, Math.ceil(spanMs / 3_600_000)));
}

const valueText = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v) : '—');

export const createAlerts: PageFactory = (app: App, root: HTMLElement): Page => {
  let controller: AbortController | null = null;
  let chart: Chart | null = null;
  let lastDetail: MonitorJson | null = null;
  /** The range of the last full load: a change that keeps it only selects another monitor. */
  let loadedKey = '';

  const tilesArea = h('div', { 'data-testid': 'monitor-tiles' });
  const detailArea = h('div');
  const firingArea = h('div');
  const historyArea = h('div');
  const rulesArea = h('div');
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Alerts'), h('span', { class: 'muted' }, 'Monitors, what fires now, and what fired')),
    h('section', { class: 'panel' }, h('h2', null, 'Monitors'), tilesArea, detailArea),
    h('section', { class: 'panel' }, h('h2', null, 'Firing now'), firingArea),
    h('section', { class: 'panel' }, h('h2', null, 'History'), historyArea),
    h('section', { class: 'panel' }, h('h2', null, 'Rules'), rulesArea));

  const destroyChart = (): void => {
    chart?.destroy();
    chart = null;
  };
  const clearDetail = (): void => {
    destroyChart();
    lastDetail = null;
    replace(detailArea);
  };

  // Selecting another monitor (or none) changes only the chart below the tiles: the rest stays as it is.
  async function select(state: AppState): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    const selected = state.params.monitor ?? '';
    for (const tile of tilesArea.querySelectorAll<HTMLElement>('[data-testid=monitor-tile]')) {
      tile.setAttribute('aria-pressed', String(tile.dataset.id === selected));
    }
    if (!selected) {
      clearDetail();
      app.ready('alerts');
      return;
    }
    app.loading();
    destroyChart();
    replace(detailArea, loading('Loading the monitor…'));
    const range = resolveRange(state.params, Date.now());
    const hours = chartHours(range.end - range.start);
    try {
      const m = await getJson<MonitorJson>(`/api/v1/monitors/${encodeURIComponent(selected)}`, { hours }, abort.signal);
      lastDetail = m;
      replace(detailArea, detail(state, m, hours));
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      replace(detailArea, errorNotice(e, () => void select(app.state)));
    }
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('alerts');
    }
  }

  function tiles(state: AppState, monitors: MonitorJson[]): HTMLElement {
    if (monitors.length === 0) {
      return notice('empty', 'No monitors yet — create one with POST /api/v1/monitors (docs/api.md, "Monitors and alert rules").');
    }
    const selected = state.params.monitor ?? '';
    return h('div', { class: 'monitor-tiles' }, sortMonitors(monitors).map((m) => {
      const kind = statusKind(m.status);
      const r = m.reading;
      return h('button', {
        type: 'button', class: `monitor-tile status-${kind}`, 'data-testid': 'monitor-tile', 'data-id': m.id, 'data-status': kind,
        'aria-pressed': String(m.id === selected), title: `${m.query} — click to show or hide its chart`,
        onclick: () => app.setParams({ monitor: m.id === app.state.params.monitor ? null : m.id }),
      },
      h('span', { class: 'monitor-head' }, h('span', { class: 'monitor-name' }, m.name), h('span', { class: `status-badge status-${kind}`, 'data-testid': 'monitor-status' }, STATUS_TEXT[kind])),
      h('span', { class: 'monitor-figures' },
        h('span', { 'data-testid': 'monitor-observed', 'data-value': r?.observed ?? '' }, valueText(r?.observed)),
        h('span', { class: 'muted' }, ' observed · expected '),
        h('span', { 'data-testid': 'monitor-expected', 'data-value': r?.expected ?? '' }, valueText(r?.expected)),
        h('span', { class: 'muted' }, ` per ${m.window_minutes} min`)),
      h('span', { class: 'monitor-summary small' }, r?.summary || 'Not evaluated yet.'));
    }));
  }

  function detail(state: AppState, m: MonitorJson, hours: number): HTMLElement {
    destroyChart();
    const kind = statusKind(m.status);
    const box = h('div', { class: 'chart', 'data-testid': 'monitor-chart' });
    const panel = h('div', { class: 'monitor-detail', 'data-testid': 'monitor-detail', 'data-id': m.id },
      h('h3', null, m.name, ' ', h('span', { class: `status-badge status-${kind}` }, STATUS_TEXT[kind])),
      h('p', { class: 'muted small' },
        'Events of ', h('a', { href: linkTo(state, 'explore', { q: m.query }) }, h('code', null, m.query)),
        ` per hour over the last ${hours} h: observed (line), expected (dashed) and the band from lower to upper (shaded).`,
        m.status_since_ms ? [' Status since ', timeText(m.status_since_ms), '.'] : null),
      box);
    const cols = bandColumns(m.series);
    if (cols.times.length === 0) {
      box.appendChild(notice('empty', 'No readings yet.'));
      return panel;
    }
    // The chart needs its box in the page to take its width: drawn once appended, below.
    queueMicrotask(() => {
      if (box.isConnected && !chart) {
        chart = bandChart(box, cols, { observed: cssVar('--accent', '#2f6fde'), band: cssVar('--muted', '#5f6b7a'), expected: cssVar('--muted', '#5f6b7a') }, { bucketMs: 0 });
      }
    });
    return panel;
  }

  function firingTable(list: FiringAlert[]): HTMLElement {
    if (list.length === 0) {
      return h('p', { class: 'muted small', 'data-testid': 'alerts-firing' }, 'Nothing fires now.');
    }
    return h('table', { class: 'data-table', 'data-testid': 'alerts-firing' },
      h('thead', null, h('tr', null, ['Rule', 'Group', 'Since', 'Value', 'Summary', 'Sent'].map((t, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, t)))),
      h('tbody', null, [...list].sort((a, b) => b.started_ms - a.started_ms).map((a) => h('tr', { 'data-testid': 'alert-row', 'data-rule': a.rule_id, 'data-rule-name': a.rule_name },
        h('td', null, h('span', { class: 'alert-state state-firing' }, 'firing'), ' ', a.rule_name),
        h('td', null, a.group_key || h('span', { class: 'muted' }, '—')),
        h('td', null, timeText(a.started_ms)),
        h('td', { class: 'num', 'data-value': a.value ?? '', title: typeof a.value === 'number' ? formatInteger(a.value) : null }, valueText(a.value)),
        h('td', null, a.summary),
        h('td', null, a.muted ? 'silenced' : a.notified ? 'yes' : 'not yet')))));
  }

  function historyTable(list: AlertHistoryLine[]): HTMLElement {
    if (list.length === 0) {
      return h('p', { class: 'muted small', 'data-testid': 'alerts-history' }, 'No alert has fired yet.');
    }
    return h('table', { class: 'data-table', 'data-testid': 'alerts-history' },
      h('thead', null, h('tr', null, ['Time', 'Rule', 'State', 'Group', 'Value', 'Summary'].map((t, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t)))),
      h('tbody', null, list.map((x) => h('tr', { 'data-testid': 'alert-history-row', 'data-rule': x.rule_id, 'data-state': x.state },
        h('td', null, timeText(x.at_ms)),
        h('td', null, x.rule_name),
        h('td', null, h('span', { class: `alert-state state-${alertStateKind(x.state)}` }, x.state)),
        h('td', null, x.group_key || h('span', { class: 'muted' }, '—')),
        h('td', { class: 'num', 'data-value': x.value ?? '' }, valueText(x.value)),
        h('td', null, x.summary)))));
  }

  function rulesTable(list: AlertRuleJson[]): HTMLElement {
    if (list.length === 0) {
      return h('p', { class: 'muted small', 'data-testid': 'alert-rules' }, 'No alert rules — create one with POST /api/alerts/rules.');
    }
    const now = Date.now();
    return h('table', { class: 'data-table', 'data-testid': 'alert-rules' },
      h('thead', null, h('tr', null, ['Rule', 'Kind', 'Firing', 'Last evaluated', 'Note'].map((t, i) => h('th', { scope: 'col', class: i === 2 ? 'num' : null }, t)))),
      h('tbody', null, list.map((r) => h('tr', { 'data-testid': 'alert-rule-row', 'data-id': r.id },
        h('td', null, r.spec?.name ?? r.id),
        h('td', null, r.spec?.kind ?? ''),
        h('td', { class: 'num', 'data-value': String(r.alerts?.length ?? 0) }, formatInteger(r.alerts?.length ?? 0)),
        h('td', null, r.last_evaluated_ms ? timeText(r.last_evaluated_ms) : h('span', { class: 'muted' }, 'not yet')),
        h('td', null,
          r.muted_until_ms && r.muted_until_ms > now ? `Silenced until ${formatLocalTime(r.muted_until_ms)}. ` : '',
          r.last_error ? h('span', { class: 'bad-text' }, r.last_error) : '')))));
  }

  async function load(state: AppState, reason: UpdateReason): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    const visible = reason !== 'refresh' && reason !== 'theme';
    const range = resolveRange(state.params, Date.now());
    const hours = chartHours(range.end - range.start);
    const selected = state.params.monitor ?? '';
    if (visible) {
      app.loading();
      destroyChart();
      replace(tilesArea, loading('Loading monitors…'));
      replace(detailArea);
      replace(firingArea, loading());
      replace(historyArea, loading());
      replace(rulesArea, loading());
    }
    // Each section stands alone: one failing shows its error, the others still show.
    const section = async <T>(p: Promise<T>, area: HTMLElement, draw: (value: T) => void): Promise<void> => {
      try {
        const value = await p;
        if (!abort.signal.aborted) {
          draw(value);
        }
      } catch (e) {
        if (!isAbort(e) && (visible || area.querySelector('[role=alert]'))) {
          replace(area, errorNotice(e, () => void load(app.state, 'change')));
        }
      }
    };
    const get = <T>(path: string, params?: Record<string, string | number>): Promise<T> => getJson<T>(path, params, abort.signal);
    await Promise.all([
      section(get<{ monitors: MonitorJson[] }>('/api/v1/monitors'), tilesArea, (a) => replace(tilesArea, tiles(state, a.monitors ?? []))),
      selected
        ? section(get<MonitorJson>(`/api/v1/monitors/${encodeURIComponent(selected)}`, { hours }), detailArea, (m) => {
          lastDetail = m;
          replace(detailArea, detail(state, m, hours));
        })
        : Promise.resolve(clearDetail()),
      section(get<{ alerts: FiringAlert[] }>('/api/alerts'), firingArea, (a) => replace(firingArea, firingTable(a.alerts ?? []))),
      section(get<{ history: AlertHistoryLine[] }>('/api/alerts/history', { limit: HISTORY_LIMIT }), historyArea, (a) => replace(historyArea, historyTable(a.history ?? []))),
      section(get<{ rules: AlertRuleJson[] }>('/api/alerts/rules'), rulesArea, (a) => replace(rulesArea, rulesTable(a.rules ?? []))),
    ]);
    if (abort.signal.aborted) {
      return;
    }
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('alerts');
    }
  }

  return {
    update(state, reason) {
      if (reason === 'theme' && lastDetail && state.params.monitor === lastDetail.id) {
        // Chart colours come from the theme: redraw the chart from what was loaded.
        const range = resolveRange(state.params, Date.now());
        const hours = chartHours(range.end - range.start);
        replace(detailArea, detail(state, lastDetail, hours));
        void afterDraw().then(() => app.ready('alerts'));
        return;
      }
      const key = JSON.stringify([state.params.range, state.params.from, state.params.to]);
      if (reason === 'change' && key === loadedKey && tilesArea.querySelector('[data-testid=monitor-tile]')) {
        void select(state);
        return;
      }
      loadedKey = key;
      void load(state, reason);
    },
    dispose() {
      controller?.abort();
      destroyChart();
    },
  };
};
