// Traffic: decisions over time and the top lists (from the dashboard stats), a per-domain table with block
// shares and top block reasons, the stored hourly/daily summary, and a filtered listing of traffic events.
import { getJson, isAbort, postJson } from '../api';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { DECISION_ORDER, orderKeys } from '../chart-data';
import { seriesColor, stackedBars, type Chart } from '../charts';
import { curlExample, decisionBadge, errorNotice, loading, notice, shareBar, statTile, topTable } from '../components';
import { h, replace } from '../dom';
import { eventDetail, eventRow, eventTable, timeColumn, toggleDetail, type Column } from '../events-view';
import { formatInteger, formatLocalTime, formatNumber, formatPercent } from '../format';
import { filterTerm } from '../query-text';
import { describeRange, fixedRangeParams, resolveRange, type TimeRange } from '../range';
import { linkTo, sharedParams, type AppState } from '../state';
import {
  blockedQuery, joinDomainRows, reasonsQuery, requestsQuery, topReasonsByDomain, trafficFilter, type DomainRow, type ReasonCount, type TrafficFilters,
} from '../traffic-queries';
import type { DashboardStats, EventJson, SearchAnswer, TableAnswer, TrafficSummary } from '../types';

const FILTERS = ['domain', 'decision', 'country', 'path'] as const;
const PAGE_SIZE = 100;

const TRAFFIC_COLUMNS: Column[] = [
  timeColumn,
  { title: 'Decision', className: 'col-level', cell: (ev) => decisionBadge(typeof ev.decision === 'string' ? ev.decision : undefined) },
  { title: 'Domain', className: 'col-service', cell: (ev) => String(ev.domain ?? '') },
  { title: 'Request', className: 'col-message', cell: (ev) => [ev.method, ev.path].filter(Boolean).map(String).join(' ') },
  { title: 'Status', className: 'num', cell: (ev) => (ev.status === undefined ? '' : String(ev.status)) },
  { title: 'Country', cell: (ev) => String(ev.country ?? '') },
  { title: 'Reason', cell: (ev) => String(ev.reason ?? '') },
];

function filtersOf(state: AppState): TrafficFilters {
  const f: TrafficFilters = {};
  for (const key of FILTERS) {
    if (state.params[key]) {
      f[key] = state.params[key];
    }
  }
  return f;
}

export const createTraffic: PageFactory = (app: App, root: HTMLElement): Page => {
  let charts: Chart[] = [];
  let controller: AbortController | null = null;
  let summaryController: AbortController | null = null;
  let cursor: string | null = null;
  let range: TimeRange = resolveRange({}, Date.now());

  // The listing's filter form.
  const inputs = Object.fromEntries(FILTERS.map((key) => [key, h('input', {
    type: 'text', name: key, 'data-testid': `traffic-filter-${key}`, 'aria-label': key,
    placeholder: key === 'path' ? 'path, e.g. /api/*' : key, spellcheck: 'false', autocomplete: 'off',
  })])) as Record<(typeof FILTERS)[number], HTMLInputElement>;
  const filterForm = h('form', { class: 'filter-form', role: 'search' },
    FILTERS.map((key) => inputs[key]),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'traffic-apply' }, 'Apply'),
    h('button', { type: 'button', class: 'btn', 'data-testid': 'traffic-clear', onclick: () => app.setParams(Object.fromEntries(FILTERS.map((k) => [k, null]))) }, 'Clear'));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    app.setParams(Object.fromEntries(FILTERS.map((k) => [k, inputs[k].value.trim() || null])));
  });

  // Summary controls.
  const gran = h('select', { 'data-testid': 'summary-granularity', 'aria-label': 'Summary granularity' },
    h('option', { value: 'day' }, 'Day'), h('option', { value: 'hour' }, 'Hour'));
  const date = h('input', { type: 'date', 'data-testid': 'summary-date', 'aria-label': 'Summary date (UTC)' });
  const hour = h('select', { 'data-testid': 'summary-hour', 'aria-label': 'Hour (UTC)' },
    Array.from({ length: 24 }, (_, i) => h('option', { value: String(i).padStart(2, '0') }, `${String(i).padStart(2, '0')}:00`)));
  const summaryChange = (): void => app.setParams({ gran: gran.value === 'day' ? null : gran.value, date: date.value || null, hour: gran.value === 'hour' ? hour.value : null }, { replace: true });
  gran.addEventListener('change', summaryChange);
  date.addEventListener('change', summaryChange);
  hour.addEventListener('change', summaryChange);
  const summaryBody = h('div', { class: 'summary-body' });

  const statsArea = h('div');
  const domainArea = h('div');
  const listNotice = h('div');
  const { table, body } = eventTable(TRAFFIC_COLUMNS, 'traffic-table');
  const loadMore = h('button', { type: 'button', class: 'btn', 'data-testid': 'traffic-load-more', hidden: true, onclick: () => void more() }, 'Load more');
  const heading = h('span', { class: 'muted' });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Traffic'), heading),
    statsArea,
    h('div', { class: 'grid-2' },
      h('section', { class: 'panel', 'data-testid': 'domain-table' }, h('h2', null, 'Domains'), domainArea),
      h('section', { class: 'panel', 'data-testid': 'traffic-summary' },
        h('div', { class: 'panel-head' }, h('h2', null, 'Stored summary'), h('div', { class: 'summary-controls' }, gran, date, hour)),
        summaryBody)),
    h('section', { class: 'panel' },
      h('h2', null, 'Requests'),
      filterForm,
      listNotice,
      table,
      loadMore));

  const destroyCharts = (): void => {
    charts.forEach((c) => c.destroy());
    charts = [];
  };

  async function load(state: AppState, reason: UpdateReason): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    range = resolveRange(state.params, Date.now());
    heading.textContent = describeRange(range, formatLocalTime);
    const filters = filtersOf(state);
    for (const key of FILTERS) {
      inputs[key].value = filters[key] ?? '';
    }
    const visible = reason !== 'refresh';
    if (visible) {
      app.loading();
      destroyCharts();
      replace(statsArea, loading('Loading traffic…'));
      replace(domainArea, loading());
      replace(listNotice, loading());
      replace(body);
      loadMore.hidden = true;
    }
    const guard = <T>(p: Promise<T>, onError: (e: unknown) => void): Promise<T | null> =>
      p.catch((e) => {
        // A failed background refresh keeps what is shown.
        if (!isAbort(e) && visible) {
          onError(e);
        }
        return null;
      });
    const statsP = guard(getJson<DashboardStats>('/api/v1/dashboard/stats', { start_time: range.start, end_time: range.end }, abort.signal),
      (e) => replace(statsArea, errorNotice(e, () => void load(app.state, 'change'))));
    const domainsP = guard(loadDomains(filters, abort.signal), (e) => replace(domainArea, errorNotice(e)));
    const listP = guard(getJson<SearchAnswer>('/api/traffic-logs/v2', { ...filters, start_time: range.start, end_time: range.end, limit: PAGE_SIZE }, abort.signal),
      (e) => replace(listNotice, errorNotice(e, () => void load(app.state, 'change'))));
    const summaryP = loadSummary(state);

    const [stats, domains, list] = await Promise.all([statsP, domainsP, listP]);
    if (abort.signal.aborted) {
      return;
    }
    if (stats) {
      destroyCharts();
      drawStats(state, stats);
    }
    if (domains) {
      replace(domainArea, domainTable(state, domains.rows, domains.reasons));
    }
    if (list) {
      replace(body);
      appendRows(list.events);
      cursor = list.next_cursor;
      loadMore.hidden = !cursor;
      table.hidden = list.events.length === 0;
      replace(listNotice, list.events.length === 0
        ? notice('empty', Object.keys(filters).length
          ? 'No traffic events match these filters in this range — widen the range or clear a filter.'
          : 'No traffic events in this range — widen the range or send some to /api/traffic-logs/v2.', ...(Object.keys(filters).length ? [] : [curlExample(app.session.keys_required)]))
        : null);
    }
    await summaryP;
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('traffic');
    }
  }

  async function loadDomains(filters: TrafficFilters, signal: AbortSignal): Promise<{ rows: DomainRow[]; reasons: Map<string, ReasonCount[]> }> {
    const filter = trafficFilter(range.start, range.end, filters);
    const requests = await postJson<TableAnswer>('/api/logs/analytics/custom', { query: requestsQuery(filter) }, signal);
    const rows = requests.rows ?? [];
    const domains = rows.map((r) => r.domain).filter((d): d is string => typeof d === 'string');
    const table = (text: string | null): Promise<TableAnswer> =>
      text ? postJson<TableAnswer>('/api/logs/analytics/custom', { query: text }, signal) : Promise.resolve({ rows: [] });
    // Both need the listed domains, neither needs the other.
    const [blocked, reasons] = await Promise.all([table(blockedQuery(filter, domains)), table(reasonsQuery(filter, domains))]);
    return { rows: joinDomainRows(rows, blocked.rows ?? []), reasons: topReasonsByDomain(reasons.rows ?? []) };
  }

  function domainTable(state: AppState, rows: DomainRow[], reasons: Map<string, ReasonCount[]>): HTMLElement {
    if (rows.length === 0) {
      return h('p', { class: 'muted small' }, 'No traffic in this range.');
    }
    return h('table', { class: 'data-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Domain'), h('th', { scope: 'col', class: 'num' }, 'Requests'),
        h('th', { scope: 'col', class: 'num' }, 'Blocked'), h('th', { scope: 'col' }, 'Block share'), h('th', { scope: 'col' }, 'Top reasons'))),
      h('tbody', null, rows.map((r) => h('tr', { 'data-testid': 'domain-row', 'data-domain': r.domain ?? '' },
        h('td', null, r.domain === null
          ? h('span', { class: 'muted' }, '(no domain)')
          : h('a', { href: linkTo(state, 'traffic', { ...filtersOf(state), domain: r.domain, ...summaryParams(state) }) }, r.domain)),
        h('td', { class: 'num', 'data-value': String(r.requests), title: formatInteger(r.requests) }, formatNumber(r.requests)),
        h('td', { class: 'num', 'data-value': String(r.blocked), title: formatInteger(r.blocked) }, formatNumber(r.blocked)),
        h('td', { class: 'share-col', 'data-value': String(r.blockShare) }, shareBar(r.blockShare), ' ', formatPercent(r.blockShare)),
        reasonsCell(state, r.domain === null ? [] : reasons.get(r.domain) ?? [], r.domain)))));
  }

  // A domain's top block reasons with their counts, each a link to those events in Explore. The cell has no
  // data-value: the row's numbers are the cells that carry one.
  function reasonsCell(state: AppState, list: ReasonCount[], domain: string | null): HTMLElement {
    return h('td', { class: 'reasons-col', 'data-testid': 'domain-reasons' }, list.length === 0
      ? h('span', { class: 'muted' }, '—')
      : list.map(({ reason, count }, i) => h('span', { class: 'reason', 'data-reason': reason ?? '', 'data-count': String(count) },
        i > 0 ? ', ' : null,
        domain === null || reason === null
          ? h('span', { class: 'muted' }, reason ?? '(no reason)')
          : h('a', { href: linkTo(state, 'explore', { q: `kind:traffic decision:block ${filterTerm('domain', domain)} ${filterTerm('reason', reason)}` }) }, reason),
        ' ',
        h('span', { class: 'muted', title: formatInteger(count) }, formatNumber(count)))));
  }

  function drawStats(state: AppState, stats: DashboardStats): void {
    const chartBox = h('div', { class: 'chart', 'data-testid': 'chart-decisions' });
    const decisions = stats.traffic.decisions ?? {};
    const blocked = decisions.block ?? 0;
    const share = stats.traffic.total > 0 ? blocked / stats.traffic.total : 0;
    const explore = (term: string): string => linkTo(state, 'explore', { q: `kind:traffic ${term}` });
    replace(statsArea,
      h('div', { class: 'tiles' },
        statTile('stat-traffic-total', 'Requests', stats.traffic.total, formatNumber(stats.traffic.total)),
        statTile('stat-blocked', 'Blocked', blocked, formatNumber(blocked)),
        statTile('stat-block-share', 'Block share', share, formatPercent(share)),
        statTile('stat-unique-ips', 'Unique IPs', stats.traffic.unique_ips, formatNumber(stats.traffic.unique_ips), 'An estimate (HyperLogLog); a lower bound under sampling')),
      h('div', { class: 'grid-3' },
        h('section', { class: 'panel span-2' }, h('h2', null, 'Decisions over time'), chartBox),
        h('div', { class: 'stack' },
          topTable('top-countries', 'Top countries', stats.traffic.top_countries ?? [], (v) => explore(filterTerm('country', v))),
          topTable('top-reasons', 'Top reasons', stats.traffic.top_reasons ?? [], (v) => explore(filterTerm('reason', v))))));
    const map = stats.series?.decisions ?? {};
    const series = orderKeys(Object.keys(map), DECISION_ORDER).map((key, i) => ({ label: key, values: map[key], color: seriesColor('decision', key, i) }));
    charts.push(stackedBars(chartBox, stats.series?.times ?? [], series, {
      bucketMs: stats.bucket_ms,
      onSelect: (start, end) => app.setParams(fixedRangeParams(start, end)),
    }));
  }

  function summaryParams(state: AppState): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of ['gran', 'date', 'hour']) {
      if (state.params[key]) {
        out[key] = state.params[key];
      }
    }
    return out;
  }

  async function loadSummary(state: AppState): Promise<void> {
    summaryController?.abort();
    const abort = new AbortController();
    summaryController = abort;
    const granularity = state.params.gran === 'hour' ? 'hour' : 'day';
    gran.value = granularity;
    date.value = state.params.date ?? '';
    hour.hidden = granularity !== 'hour';
    hour.value = state.params.hour ?? String(new Date().getUTCHours()).padStart(2, '0');
    try {
      const s = await getJson<TrafficSummary>('/api/traffic-logs/v2/summary', {
        granularity, date: state.params.date || null, hour: granularity === 'hour' ? hour.value : null,
      }, abort.signal);
      if (!date.value && s.date) {
        date.value = s.date;
      }
      replace(summaryBody, summaryCard(s));
    } catch (e) {
      if (!isAbort(e)) {
        replace(summaryBody, errorNotice(e));
      }
    }
  }

  function summaryCard(s: TrafficSummary): HTMLElement {
    const blocked = s.decisions?.block ?? 0;
    const top = <T>(list: T[] | undefined, name: (x: T) => string, count: (x: T) => number): string =>
      (list ?? []).slice(0, 3).map((x) => `${name(x)} (${formatNumber(count(x))})`).join(', ') || '—';
    return h('div', { class: 'summary-card' },
      h('p', { class: 'muted small' }, `${s.date}${s.granularity === 'hour' && s.hour !== null ? ` ${String(s.hour).padStart(2, '0')}:00` : ''} UTC`),
      h('dl', { class: 'kv' },
        h('dt', null, 'Requests'), h('dd', { 'data-testid': 'summary-total', 'data-value': String(s.total_requests) }, formatNumber(s.total_requests)),
        h('dt', null, 'Blocked'), h('dd', { 'data-value': String(blocked) }, `${formatNumber(blocked)} (${formatPercent(s.total_requests ? blocked / s.total_requests : 0)})`),
        h('dt', null, 'Decisions'), h('dd', null, Object.entries(s.decisions ?? {}).map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ') || '—'),
        h('dt', null, 'Unique IPs'), h('dd', { 'data-value': String(s.unique_ips) }, formatNumber(s.unique_ips)),
        h('dt', null, 'Countries'), h('dd', null, top(s.top_countries, (x) => x.country, (x) => x.count)),
        h('dt', null, 'Reasons'), h('dd', null, top(s.top_reasons, (x) => x.reason, (x) => x.count)),
        h('dt', null, 'Domains'), h('dd', null, top(s.domains, (x) => x.domain, (x) => x.count))));
  }

  const toggle = (ev: EventJson, row: HTMLTableRowElement): void => {
    toggleDetail(row, TRAFFIC_COLUMNS.length, () => eventDetail(ev, {
      // Including a listing field filters the listing; anything else opens Explore with that term.
      onFilter: (field, value, exclude) => {
        if (!exclude && (FILTERS as readonly string[]).includes(field)) {
          app.setParams({ [field]: value });
        } else {
          app.navigate({ route: 'explore', traceId: '', params: { ...sharedParams(app.state), q: `kind:traffic ${filterTerm(field, value, exclude)}` } });
        }
      },
      showContext: false,
      traceHref: (id) => linkTo(app.state, 'trace', {}, id),
    }));
  };

  function appendRows(events: EventJson[]): void {
    for (const ev of events) {
      body.appendChild(eventRow(ev, TRAFFIC_COLUMNS, 'traffic-row', toggle));
    }
  }

  async function more(): Promise<void> {
    if (!cursor) {
      return;
    }
    loadMore.disabled = true;
    try {
      const page = await getJson<SearchAnswer>('/api/traffic-logs/v2', {
        ...filtersOf(app.state), start_time: range.start, end_time: range.end, limit: PAGE_SIZE, cursor,
      }, controller?.signal);
      appendRows(page.events);
      cursor = page.next_cursor;
      loadMore.hidden = !cursor;
    } catch (e) {
      if (!isAbort(e)) {
        replace(listNotice, errorNotice(e, () => void more()));
      }
    } finally {
      loadMore.disabled = false;
    }
  }

  let dataKey = '';
  return {
    update(state, reason) {
      const key = JSON.stringify([state.params.range, state.params.from, state.params.to, filtersOf(state)]);
      if (reason !== 'change' || key !== dataKey) {
        dataKey = key;
        void load(state, reason === 'theme' ? 'refresh' : reason);
      } else {
        void loadSummary(state);
      }
    },
    dispose() {
      controller?.abort();
      summaryController?.abort();
      destroyCharts();
    },
  };
};
