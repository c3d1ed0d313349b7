// Overview: one stats call draws the volume charts, the tiles, the top lists and the health panel; pinned
// charts from the saved config are drawn below, each from its own histogram query. On the page's first load the
// stats and config may already be on their way (asked for beside the session check); it takes those.
import { isAbort, postJson, getJson } from '../api';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { DECISION_ORDER, LEVEL_ORDER, orderKeys } from '../chart-data';
import { histogram, seriesColor, stackedBars, type Chart } from '../charts';
import { curlExample, errorNotice, loading, notice, statTile, topTable } from '../components';
import { loadConfig, updateConfig } from '../config';
import { h, replace } from '../dom';
import { formatBytes, formatDuration, formatInteger, formatLocalTime, formatNumber, formatPercent, formatRate } from '../format';
import { filterTerm } from '../query-text';
import { describeRange, fixedRangeParams, resolveRange, type TimeRange } from '../range';
import { linkTo, type AppState } from '../state';
import { cssVar } from '../theme';
import type { DashboardStats, Health, HistogramAnswer, SavedSearch } from '../types';

type PinData = { pin: SavedSearch; answer: HistogramAnswer | null; error: unknown };

export const createOverview: PageFactory = (app: App, root: HTMLElement): Page => {
  let charts: Chart[] = [];
  let controller: AbortController | null = null;

  const destroyCharts = (): void => {
    charts.forEach((c) => c.destroy());
    charts = [];
  };

  async function load(state: AppState, reason: UpdateReason): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    // Taken before anything is awaited, so the shell can drop it when the first page does not take it.
    const first = reason === 'enter' ? app.takeFirstLoad(state) : null;
    if (first) {
      abort.signal.addEventListener('abort', first.abort);
    }
    const range = first?.range ?? resolveRange(state.params, Date.now());
    if (reason === 'enter' || reason === 'change') {
      app.loading();
      destroyCharts();
      replace(root, loading('Loading the overview…'));
    }
    try {
      const [stats, pins] = await Promise.all([
        first?.stats ?? getJson<DashboardStats>('/api/v1/dashboard/stats', { start_time: range.start, end_time: range.end }, abort.signal),
        (first?.config ?? loadConfig(abort.signal)).then((c) => c.pinned_charts).catch((e) => (isAbort(e) ? Promise.reject(e) : [])),
      ]);
      const pinData = await Promise.all(pins.map((pin) =>
        postJson<HistogramAnswer>('/api/v1/dashboard/query', { query: pin.query, start_time: range.start, end_time: range.end }, abort.signal)
          .then((answer) => ({ pin, answer, error: null as unknown }))
          .catch((error) => (isAbort(error) ? Promise.reject(error) : { pin, answer: null, error }))));
      if (abort.signal.aborted) {
        return;
      }
      destroyCharts();
      draw(state, range, stats, pinData);
      await afterDraw();
      if (!abort.signal.aborted) {
        app.ready('overview');
      }
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      // A failed background refresh keeps what is shown; a failed load says what went wrong.
      if (reason !== 'refresh') {
        destroyCharts();
        replace(root, errorNotice(e, () => void load(app.state, 'change')));
        app.ready('overview');
      }
    }
  }

  function draw(state: AppState, range: TimeRange, stats: DashboardStats, pins: PinData[]): void {
    const explore = (term: string): string => linkTo(state, 'explore', { q: term });
    const levelsBox = h('div', { class: 'chart', 'data-testid': 'chart-levels' });
    const decisionsBox = h('div', { class: 'chart', 'data-testid': 'chart-decisions' });
    const empty = stats.logs.total === 0 && stats.traffic.total === 0;
    const pinned = pins.length > 0 ? pinnedPanel(state, pins) : null;

    replace(root,
      h('div', { class: 'page-head' },
        h('h1', null, 'Overview'),
        h('span', { class: 'muted' }, describeRange(range, formatLocalTime))),
      h('div', { class: 'tiles' },
        statTile('stat-logs-total', 'Logs', stats.logs.total, formatNumber(stats.logs.total)),
        statTile('stat-traffic-total', 'Traffic events', stats.traffic.total, formatNumber(stats.traffic.total)),
        statTile('stat-ingest-rate', 'Ingest now', stats.ingest.events_per_second, formatRate(stats.ingest.events_per_second),
          `${stats.ingest.events_per_second} events/s; ${formatInteger(stats.ingest.accepted_total)} accepted since start`),
        statTile('stat-error-share', 'Errors among logs', stats.logs.error_share, formatPercent(stats.logs.error_share)),
        statTile('stat-unique-ips', 'Unique IPs', stats.traffic.unique_ips, formatNumber(stats.traffic.unique_ips), 'An estimate (HyperLogLog); a lower bound under sampling')),
      empty ? notice('empty', 'No events in this range — widen the range or send some:', curlExample(app.session.keys_required)) : null,
      h('div', { class: 'grid-2' },
        h('section', { class: 'panel' }, h('h2', null, 'Log volume by level'), levelsBox),
        h('section', { class: 'panel' }, h('h2', null, 'Traffic by decision'), decisionsBox)),
      h('div', { class: 'grid-4' },
        topTable('top-services', 'Top services', stats.logs.top_services ?? [], (v) => explore(filterTerm('service', v))),
        topTable('top-domains', 'Top domains', stats.traffic.top_domains ?? [], (v) => explore(filterTerm('domain', v))),
        topTable('top-countries', 'Top countries', stats.traffic.top_countries ?? [], (v) => explore(filterTerm('country', v))),
        topTable('top-reasons', 'Top block reasons', stats.traffic.top_reasons ?? [], (v) => explore(filterTerm('reason', v)))),
      h('div', { class: 'grid-2' },
        healthPanel(stats.health),
        pinned?.element ?? null));

    const times = stats.series?.times ?? [];
    const stackOf = (group: string, map: Record<string, number[]>, order: string[]) =>
      orderKeys(Object.keys(map ?? {}), order).map((key, i) => ({ label: key, values: map[key], color: seriesColor(group, key, i) }));
    const onSelect = (start: number, end: number): void => app.setParams(fixedRangeParams(start, end));
    charts.push(stackedBars(levelsBox, times, stackOf('level', stats.series?.levels, LEVEL_ORDER), { bucketMs: stats.bucket_ms, onSelect }));
    charts.push(stackedBars(decisionsBox, times, stackOf('decision', stats.series?.decisions, DECISION_ORDER), { bucketMs: stats.bucket_ms, onSelect }));
    for (const { box, answer } of pinned?.boxes ?? []) {
      charts.push(histogram(box, answer.series.map((p) => p.time), answer.series.map((p) => p.count), cssVar('--accent', '#3b82f6'), { bucketMs: answer.bucket_ms, height: 120 }));
    }
  }

  /** The pinned charts' panel, and the boxes to draw each chart into once the panel is in the page. */
  function pinnedPanel(state: AppState, pins: PinData[]): { element: HTMLElement; boxes: { box: HTMLElement; answer: HistogramAnswer }[] } {
    const boxes: { box: HTMLElement; answer: HistogramAnswer }[] = [];
    const element = h('section', { class: 'panel', 'data-testid': 'pinned-charts' },
      h('h2', null, 'Pinned charts'),
      pins.map(({ pin, answer, error }) => {
        const box = h('div', { class: 'chart chart-small' });
        if (answer) {
          boxes.push({ box, answer });
        }
        return h('div', { class: 'pinned', 'data-testid': 'pinned-chart', 'data-name': pin.name },
          h('div', { class: 'pinned-head' },
            h('a', { href: linkTo(state, 'explore', { q: pin.query }), class: 'pinned-title' }, pin.name),
            answer ? h('span', { class: 'muted small', 'data-value': String(answer.total) }, `${formatNumber(answer.total)} events`) : null,
            app.session.canAdmin ? h('button', {
              type: 'button', class: 'icon-btn', 'data-testid': 'unpin-chart', 'aria-label': `Unpin ${pin.name}`, title: 'Unpin',
              onclick: () => void unpin(pin.name),
            }, '×') : null),
          answer ? box : errorNotice(error));
      }));
    return { element, boxes };
  }

  async function unpin(name: string): Promise<void> {
    try {
      await updateConfig((c) => ({ ...c, pinned_charts: c.pinned_charts.filter((p) => p.name !== name) }));
      void load(app.state, 'refresh');
    } catch (e) {
      window.alert(e instanceof Error ? e.message : String(e));
    }
  }

  return {
    update(state, reason) {
      void load(state, reason);
    },
    dispose() {
      controller?.abort();
      destroyCharts();
    },
  };
};

/** One line of the health panel: ok or warn, a name, and what was measured. */
function healthItem(ok: boolean, name: string, detail: string): HTMLElement {
  return h('li', { class: `health-item ${ok ? 'ok' : 'warn'}`, 'data-state': ok ? 'ok' : 'warn' },
    h('span', { class: `mark ${ok ? 'mark-ok' : 'mark-warn'}`, 'aria-label': ok ? 'ok' : 'warning' }, ok ? '✓' : '!'),
    h('span', { class: 'health-name' }, name),
    h('span', { class: 'health-detail' }, detail));
}

// Thresholds for a warn marker; the server's own `problems` list is what it judges, these only draw attention.
const SEALING_LAG_WARN_S = 120;
const DISK_WARN_SHARE = 0.9;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The health panel. Fields the server leaves out are shown as unknown rather than as a warning. */
export function healthPanel(health: Health): HTMLElement {
  const cap = num(health.disk_cap_bytes);
  const disk = num(health.disk_bytes);
  const diskShare = cap && disk !== null ? disk / cap : 0;
  const lagSeconds = num(health.sealing_lag_seconds);
  const rejected = num(health.quota_rejected) ?? 0;
  const breaker = health.webhook_breaker ?? 'none';
  const problems = Array.isArray(health.problems) ? health.problems : [];
  const parts = num(health.parts);
  return h('section', { class: 'panel health', 'data-testid': 'health', 'data-status': health.status },
    h('h2', null, 'Health ', h('span', { class: `status-pill ${health.status === 'ok' ? 'ok' : 'warn'}` }, health.status)),
    h('ul', { class: 'health-list' },
      healthItem(health.ready !== false, 'Ready', health.ready === false ? 'recovering the write-ahead log' : 'serving'),
      healthItem(true, 'Write-ahead log', formatBytes(health.wal_bytes)),
      healthItem(true, 'Memory tier', `${formatNumber(health.hot_events)} events, ${formatBytes(health.hot_bytes)}`),
      healthItem(lagSeconds === null || lagSeconds <= SEALING_LAG_WARN_S, 'Sealing lag',
        `${formatNumber(health.sealing_lag_events)} events not sealed yet${lagSeconds === null ? '' : `, ${formatDuration(lagSeconds * 1000)} behind`}`),
      healthItem(diskShare < DISK_WARN_SHARE, 'Disk',
        `${formatBytes(disk)}${cap ? ` of ${formatBytes(cap)} (${formatPercent(diskShare)})` : ', no cap'}${parts === null ? '' : ` in ${formatNumber(parts)} parts`}`),
      healthItem(rejected === 0, 'Quotas', `${formatNumber(rejected)} rejected, ${formatNumber(num(health.quota_sampled_out) ?? 0)} sampled out`),
      healthItem(breaker === 'closed' || breaker === 'none', 'Alert webhook', breaker === 'none' ? 'not configured' : `circuit ${breaker}`)),
    problems.length === 0
      ? h('p', { class: 'muted small' }, 'No problems reported.')
      : h('ul', { class: 'problems', 'data-testid': 'health-problems' }, problems.map((p) => healthItem(false, 'Problem', String(p)))));
}
