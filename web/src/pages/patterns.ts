// Patterns: the log templates of the range, most frequent first, with their count, trend against the range
// before, severity, services and a sparkline each (one aggregate call for all); a pattern opens Explore on its events.
import { getJson, isAbort } from '../api';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { errorNotice, levelBadge, loading, notice, timeText } from '../components';
import { h, replace } from '../dom';
import { formatInteger, formatLocalTime, formatNumber } from '../format';
import {
  patternFilterParams, patternFilters, patternQuery, sparklineQuery, sparklines, sparkPath, trendLabel, type PatternFilters, type Sparklines,
} from '../patterns-view';
import { describeRange, pickBucket, resolveRange } from '../range';
import { linkTo, type AppState } from '../state';
import type { AggregateAnswer, PatternJson, PatternReport } from '../types';

const LIMIT = 100;
const SPARK_BUCKETS = 40;
const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 24;
const SVG = 'http://www.w3.org/2000/svg';

function instant(value: string | number | undefined): number {
  return typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
}

/** A small line of counts over the range (SVG, drawn by CSS colours so it follows the theme). */
function sparkline(values: readonly number[] | undefined, bucket: string): Element {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('data-testid', 'pattern-sparkline');
  svg.setAttribute('viewBox', `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute('width', String(SPARK_WIDTH));
  svg.setAttribute('height', String(SPARK_HEIGHT));
  svg.setAttribute('role', 'img');
  const list = values ?? [];
  svg.setAttribute('data-points', String(list.length));
  svg.setAttribute('aria-label', list.length === 0 ? 'No series' : `Events per ${bucket}: ${list.map((v) => formatNumber(v)).join(', ')}`);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', sparkPath(list, SPARK_WIDTH, SPARK_HEIGHT, 2));
  svg.appendChild(path);
  return svg;
}

export const createPatterns: PageFactory = (app: App, root: HTMLElement): Page => {
  let controller: AbortController | null = null;

  const service = h('input', { type: 'text', 'data-testid': 'patterns-filter-service', 'aria-label': 'Services (comma list)', placeholder: 'service, e.g. api,pay', spellcheck: 'false', autocomplete: 'off' });
  const level = h('input', { type: 'text', 'data-testid': 'patterns-filter-level', 'aria-label': 'Levels (comma list)', placeholder: 'level, e.g. error,warn', spellcheck: 'false', autocomplete: 'off' });
  const min = h('input', { type: 'number', min: '0', step: '1', 'data-testid': 'patterns-filter-min', 'aria-label': 'Minimum count in the range', placeholder: 'min count' });
  const form = h('form', { class: 'filter-form', role: 'search', 'aria-label': 'Pattern filters' },
    h('label', { class: 'field' }, h('span', { class: 'muted small' }, 'Service'), service),
    h('label', { class: 'field' }, h('span', { class: 'muted small' }, 'Level'), level),
    h('label', { class: 'field' }, h('span', { class: 'muted small' }, 'Min count'), min),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'patterns-apply' }, 'Apply'),
    h('button', { type: 'button', class: 'btn', 'data-testid': 'patterns-clear', onclick: () => app.setParams({ service: null, level: null, min: null }) }, 'Clear'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(min.value);
    app.setParams(patternFilterParams({ service: service.value, level: level.value, minFrequency: min.value === '' || !Number.isSafeInteger(n) || n < 0 ? 1 : n }));
  });

  const heading = h('span', { class: 'muted' });
  const summary = h('p', { class: 'muted small', 'data-testid': 'patterns-summary', role: 'status' });
  const body = h('section', { class: 'panel' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Patterns'), heading),
    form,
    summary,
    body);

  function showFilters(f: PatternFilters): void {
    service.value = f.service;
    level.value = f.level;
    min.value = f.minFrequency === 1 ? '' : String(f.minFrequency);
  }

  async function load(state: AppState, reason: UpdateReason): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    const range = resolveRange(state.params, Date.now());
    heading.textContent = describeRange(range, formatLocalTime);
    const filters = patternFilters(state.params);
    if (document.activeElement !== service && document.activeElement !== level && document.activeElement !== min) {
      showFilters(filters);
    }
    const visible = reason !== 'refresh';
    if (visible) {
      app.loading();
      replace(body, loading('Finding patterns…'));
    }
    let report: PatternReport;
    try {
      report = await getJson<PatternReport>('/api/logs/analytics/patterns', {
        start_time: range.start, end_time: range.end, service: filters.service, level: filters.level,
        min_frequency: filters.minFrequency, limit: LIMIT,
      }, abort.signal);
    } catch (e) {
      if (!isAbort(e) && visible) {
        replace(body, errorNotice(e, () => void load(app.state, 'change')));
        app.ready('patterns');
      }
      return;
    }
    const patterns = report.patterns ?? [];
    const bucket = pickBucket(range.end - range.start, SPARK_BUCKETS);
    let lines: Sparklines | null = null;
    let linesError: unknown = null;
    if (patterns.length > 0) {
      try {
        const answer = await getJson<AggregateAnswer>('/api/logs/aggregate', {
          group_by: 'pattern_id', time_bucket: bucket, start_time: range.start, end_time: range.end,
          query: sparklineQuery(patterns.map((p) => p.id), filters),
        }, abort.signal);
        lines = sparklines(answer);
      } catch (e) {
        if (isAbort(e)) {
          return;
        }
        linesError = e; // the table stands without its sparklines
      }
    }
    if (abort.signal.aborted) {
      return;
    }
    const total = typeof report.total === 'number' ? report.total : patterns.length;
    summary.textContent = patterns.length === 0 ? ''
      : `${formatInteger(patterns.length)} ${patterns.length === 1 ? 'pattern' : 'patterns'}${total > patterns.length || report.truncated ? ` of ${formatInteger(total)}, most frequent first` : ', most frequent first'}; each trend compares with the range of equal length before.`;
    if (patterns.length === 0) {
      const filtered = filters.service || filters.level || filters.minFrequency !== 1;
      replace(body, notice('empty', filtered
        ? 'No patterns match these filters in this range — widen the range or clear a filter.'
        : 'No log events in this range, so no patterns — widen the range or send some logs.'));
    } else {
      replace(body,
        linesError ? notice('error', `Sparklines unavailable: ${linesError instanceof Error ? linesError.message : String(linesError)}`) : null,
        patternTable(state, patterns, lines, bucket));
    }
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('patterns');
    }
  }

  function patternTable(state: AppState, patterns: PatternJson[], lines: Sparklines | null, bucket: string): HTMLElement {
    return h('table', { class: 'data-table pattern-table', 'data-testid': 'pattern-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Pattern'),
        h('th', { scope: 'col', class: 'num' }, 'Count'),
        h('th', { scope: 'col' }, 'Trend'),
        h('th', { scope: 'col' }, `Per ${bucket}`),
        h('th', { scope: 'col' }, 'Severity'),
        h('th', { scope: 'col' }, 'Services'),
        h('th', { scope: 'col' }, 'Last seen'))),
      h('tbody', null, patterns.map((p) => {
        const trend = trendLabel(p.trend, p.change, p.previous_frequency);
        const last = instant(p.last_seen);
        return h('tr', { 'data-testid': 'pattern-row', 'data-id': p.id, 'data-trend': p.trend ?? '' },
          h('td', { class: 'pattern-cell' },
            h('a', {
              href: linkTo(state, 'explore', { q: patternQuery(p.id) }), class: 'pattern-text', 'data-testid': 'pattern-link',
              title: p.example ? `Example: ${p.example}` : `Explore the events of pattern ${p.id}`,
            }, p.pattern),
            h('div', { class: 'muted small' }, p.name ? `${p.name} · ` : '', h('code', null, p.id), p.type && p.type !== 'mined' ? ` · ${p.type}` : '')),
          h('td', { class: 'num', 'data-testid': 'pattern-count', 'data-value': String(p.frequency), title: formatInteger(p.frequency) }, formatNumber(p.frequency)),
          h('td', null, h('span', { class: `trend ${trend.className}`, 'data-testid': 'pattern-trend', 'data-trend': p.trend ?? '', title: trend.title }, trend.text)),
          h('td', { class: 'spark-cell' }, lines ? sparkline(lines.counts.get(p.id) ?? new Array<number>(lines.times.length).fill(0), bucket) : h('span', { class: 'muted' }, '—')),
          h('td', null, levelBadge(p.severity)),
          h('td', { class: 'services-cell' }, (p.services ?? []).join(', ') || h('span', { class: 'muted' }, '—')),
          h('td', null, Number.isFinite(last) ? timeText(last) : h('span', { class: 'muted' }, '—')));
      })));
  }

  let dataKey = '';
  return {
    update(state, reason) {
      const f = patternFilters(state.params);
      const key = JSON.stringify([state.params.range, state.params.from, state.params.to, f]);
      if (reason === 'theme') {
        // The sparklines take their colours from CSS: nothing to redraw.
        app.ready('patterns');
        return;
      }
      if (reason !== 'change' || key !== dataKey) {
        dataKey = key;
        void load(state, reason);
      }
    },
    dispose() {
      controller?.abort();
    },
  };
};
