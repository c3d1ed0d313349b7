import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  factor, listParam, patternFilterParams, patternFilters, patternQuery, sparklineQuery, sparklines, sparkPath, trendLabel,
} from '../src/patterns-view';
import { alertStateKind, bandColumns, sortMonitors, statusKind } from '../src/monitors-view';
import { formatLocation, parseLocation } from '../src/state';
import type { MonitorJson } from '../src/types';

describe('patternFilters', () => {
  it('reads service, level and min from the URL, with min 1 by default', () => {
    assert.deepEqual(patternFilters({}), { service: '', level: '', minFrequency: 1 });
    assert.deepEqual(patternFilters({ service: ' api, pay ,', level: 'error', min: '5' }), { service: 'api,pay', level: 'error', minFrequency: 5 });
    assert.equal(patternFilters({ min: '0' }).minFrequency, 0);
  });
  it('takes an unreadable min as the default', () => {
    assert.equal(patternFilters({ min: '-3' }).minFrequency, 1);
    assert.equal(patternFilters({ min: 'lots' }).minFrequency, 1);
    assert.equal(patternFilters({ min: '2.5' }).minFrequency, 1);
  });
  it('leaves defaults out of the URL and round-trips through it', () => {
    assert.deepEqual(patternFilterParams({ service: '', level: '', minFrequency: 1 }), { service: null, level: null, min: null });
    const params = patternFilterParams({ service: 'api,pay', level: 'warn,error', minFrequency: 3 });
    const url = formatLocation({ route: 'patterns', traceId: '', params: { range: '24h', ...params } as Record<string, string> });
    assert.equal(url, '/patterns?range=24h&service=api,pay&level=warn,error&min=3');
    const back = new URL(url, 'http://localhost');
    const state = parseLocation(back.pathname, back.search);
    assert.equal(state.route, 'patterns');
    assert.deepEqual(patternFilters(state.params), { service: 'api,pay', level: 'warn,error', minFrequency: 3 });
  });
  it('cleans comma lists', () => {
    assert.equal(listParam(undefined), '');
    assert.equal(listParam(' a ,, b '), 'a,b');
  });
});

describe('routes', () => {
  it('maps /patterns and /alerts, with the selected monitor in the URL', () => {
    assert.equal(parseLocation('/patterns', '').route, 'patterns');
    const alerts = parseLocation('/alerts/', '?monitor=mon_1&range=24h');
    assert.equal(alerts.route, 'alerts');
    assert.equal(alerts.params.monitor, 'mon_1');
    assert.equal(formatLocation(alerts), '/alerts?range=24h&monitor=mon_1');
  });
});

describe('trendLabel', () => {
  it('marks new and gone patterns in words', () => {
    assert.deepEqual(trendLabel('new', null, 0).text, 'new');
    assert.equal(trendLabel('new', null, 0).className, 'trend-new');
    assert.equal(trendLabel('gone', 0, 12).text, 'gone');
  });
  it('gives up and down their factor', () => {
    assert.equal(trendLabel('up', 3, 4).text, '↑ 3×');
    assert.equal(trendLabel('up', 12.34, 4).text, '↑ 12.3×');
    assert.equal(trendLabel('down', 0.25, 40).text, '↓ 4×');
    assert.equal(trendLabel('down', 0, 40).text, '↓ ∞×');
    assert.equal(trendLabel('steady', 1.2, 10).text, 'steady');
    assert.equal(trendLabel(undefined, undefined, undefined).className, 'trend-steady');
  });
  it('rounds factors for reading', () => {
    assert.equal(factor(2.345), '2.35');
    assert.equal(factor(20), '20');
    assert.equal(factor(150.4), '150');
    assert.equal(factor(null), '∞');
  });
});

describe('pattern queries', () => {
  it('opens Explore on pattern_id', () => {
    assert.equal(patternQuery('2980b09a23ab6447'), 'pattern_id:2980b09a23ab6447');
  });
  it('asks the sparklines for the listed patterns under the filters', () => {
    assert.equal(sparklineQuery(['a1'], { service: '', level: '', minFrequency: 1 }), 'kind:log pattern_id:a1');
    assert.equal(sparklineQuery(['a1', 'b2'], { service: 'api,pay', level: 'error', minFrequency: 1 }),
      'kind:log service:(api OR pay) level:error pattern_id:(a1 OR b2)');
  });
});

describe('sparklines', () => {
  it('turns one aggregate answer into a count array per pattern over the sorted times', () => {
    const t0 = '2026-01-01T00:00:00.000Z';
    const t1 = '2026-01-01T00:05:00.000Z';
    const lines = sparklines({
      buckets: [
        { pattern_id: 'b', time: t1, count: 2 },
        { pattern_id: 'a', time: t0, count: 3 },
        { pattern_id: 'a', time: t1, count: 0 },
        { pattern_id: 'b', time: t0, count: 1 },
        { pattern_id: null, time: t0, count: 9 },
      ],
    });
    assert.deepEqual(lines.times, [Date.parse(t0), Date.parse(t1)]);
    assert.deepEqual(lines.counts.get('a'), [3, 0]);
    assert.deepEqual(lines.counts.get('b'), [1, 2]);
    assert.equal(lines.counts.size, 2);
  });
  it('draws the largest count at the top and zero at the bottom, across the whole width', () => {
    assert.equal(sparkPath([0, 5, 10], 100, 20, 0), 'M0,20 L50,10 L100,0');
    assert.equal(sparkPath([0, 0], 100, 20, 1), 'M0,19 L100,19');
    assert.equal(sparkPath([4], 100, 20, 0), 'M0,0 L100,0');
    assert.equal(sparkPath([], 100, 20), '');
  });
});

describe('monitors', () => {
  it('maps statuses to classes, unknown ones as no data', () => {
    assert.equal(statusKind('ok'), 'ok');
    assert.equal(statusKind('critical'), 'critical');
    assert.equal(statusKind('no_data'), 'no-data');
    assert.equal(statusKind(undefined), 'no-data');
  });
  it('orders the worst first, then by name', () => {
    const m = (name: string, status: string): MonitorJson => ({ id: name, name, query: '', window_minutes: 60, status });
    assert.deepEqual(sortMonitors([m('b', 'ok'), m('a', 'no_data'), m('c', 'critical'), m('d', 'warning'), m('a2', 'ok')]).map((x) => x.name),
      ['c', 'd', 'a2', 'b', 'a']);
  });
  it('makes the chart columns in time order, null where a figure is missing', () => {
    const p = (start: number, observed: number | null): { start_ms: number; end_ms: number; status: string; observed: number | null; expected: number; lower: number; upper: number; summary: string } =>
      ({ start_ms: start, end_ms: start + 1, status: 'ok', observed, expected: 20, lower: 18, upper: 22, summary: '' });
    const cols = bandColumns([p(2, 14), p(1, null)]);
    assert.deepEqual(cols.times, [1, 2]);
    assert.deepEqual(cols.observed, [null, 14]);
    assert.deepEqual(cols.lower, [18, 18]);
    assert.deepEqual(bandColumns(null).times, []);
  });
  it('classes alert states', () => {
    assert.equal(alertStateKind('firing'), 'firing');
    assert.equal(alertStateKind('Resolved'), 'resolved');
    assert.equal(alertStateKind('weird'), 'other');
  });
});
