// The pure helpers behind the pages: chart stacking, the domain table's queries, facets, trace placement,
// context, the live tail's messages, API paths and problems, and event fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topValues } from '../src/aggregate';
import { buildPath, parseProblem } from '../src/api';
import { align, LEVEL_ORDER, orderKeys, stack } from '../src/chart-data';
import { normalizeConfig, upsertByName } from '../src/config';
import { contextQuery, splitContext } from '../src/context';
import { eventFields, filterValue, summaryText } from '../src/events-view';
import { parseTailMessage, tailUrl } from '../src/live-protocol';
import { timelinePositions } from '../src/timeline';
import { blockedQuery, joinDomainRows, reasonsQuery, requestsQuery, topReasonsByDomain, trafficFilter } from '../src/traffic-queries';
import type { EventJson } from '../src/types';

const ev = (id: string, timestamp: number, extra: Partial<EventJson> = {}): EventJson => ({ id, timestamp, ...extra });

describe('chart data', () => {
  it('stacks rows into running totals', () => {
    assert.deepEqual(stack([[1, 2, 3], [10, 0, 5], [100, 100, Number.NaN]]), [[1, 2, 3], [11, 2, 8], [111, 102, 8]]);
  });
  it('orders the known keys first, the rest by name', () => {
    assert.deepEqual(orderKeys(['info', 'zeta', 'error', 'alpha', 'warn'], LEVEL_ORDER), ['error', 'warn', 'info', 'alpha', 'zeta']);
  });
  it('aligns a series to the times', () => {
    assert.deepEqual(align([1, 2], 4), [1, 2, 0, 0]);
    assert.deepEqual(align([1, 2, 3], 2), [1, 2]);
    assert.deepEqual(align(undefined, 2), [0, 0]);
  });
});

describe('domain table queries', () => {
  const start = Date.UTC(2026, 0, 1, 5);
  const end = Date.UTC(2026, 0, 1, 6);
  it('filters on kind, the range and the listing filters', () => {
    assert.equal(trafficFilter(start, end, {}), 'kind:traffic _time:[2026-01-01T05:00:00.000Z, 2026-01-01T06:00:00.000Z)');
    assert.equal(trafficFilter(start, end, { domain: 'a.com', decision: 'block', country: 'DE', path: '/api/*' }),
      'kind:traffic _time:[2026-01-01T05:00:00.000Z, 2026-01-01T06:00:00.000Z) domain:a.com decision:block country:DE path:/api/*');
  });
  it('counts requests per domain, then blocked for the listed domains', () => {
    assert.equal(requestsQuery('F'), 'F | stats count() as requests by domain | sort by requests desc | limit 50');
    assert.equal(blockedQuery('F', ['a.com', 'odd domain']), 'F decision:block domain:(a.com OR "odd domain") | stats count() as blocked by domain | limit 50');
    assert.equal(blockedQuery('F', []), null);
  });
  it('joins the answers with block shares', () => {
    const rows = joinDomainRows(
      [{ domain: 'a.com', requests: 200 }, { domain: 'b.com', requests: 50 }, { domain: null, requests: 5 }],
      [{ domain: 'a.com', blocked: 50 }]);
    assert.deepEqual(rows, [
      { domain: 'a.com', requests: 200, blocked: 50, blockShare: 0.25 },
      { domain: 'b.com', requests: 50, blocked: 0, blockShare: 0 },
      { domain: null, requests: 5, blocked: 0, blockShare: 0 },
    ]);
  });
  it('counts block reasons per listed domain, most first', () => {
    assert.equal(reasonsQuery('F', ['a.com', 'odd domain']),
      'F decision:block domain:(a.com OR "odd domain") | stats count() as n by (domain, reason) | sort by n desc | limit 1000');
    assert.equal(reasonsQuery('F', []), null);
  });
  it('keeps each domain\'s top three reasons, ties by name, no reason last', () => {
    const top = topReasonsByDomain([
      { domain: 'a.com', reason: 'bot', n: 40 },
      { domain: 'b.com', reason: 'geo', n: 30 },
      { domain: 'a.com', reason: 'rate', n: 7 },
      { domain: 'a.com', reason: null, n: 7 },
      { domain: 'a.com', reason: 'abuse', n: 7 },
      { domain: 'a.com', reason: 'spam', n: 2 },
      { domain: null, reason: 'bot', n: 9 },
      { domain: 'b.com', reason: 'zero', n: 0 },
      { domain: 'c.com', reason: 404, n: '3' },
    ]);
    assert.deepEqual([...top.keys()], ['a.com', 'b.com', 'c.com']);
    assert.deepEqual(top.get('a.com'), [{ reason: 'bot', count: 40 }, { reason: 'abuse', count: 7 }, { reason: 'rate', count: 7 }]);
    assert.deepEqual(top.get('b.com'), [{ reason: 'geo', count: 30 }]);
    assert.deepEqual(top.get('c.com'), [{ reason: '404', count: 3 }]);
    assert.equal(top.get('d.com'), undefined);
  });
  it('puts a missing reason after named ones of the same count, and takes another limit', () => {
    const top = topReasonsByDomain([{ domain: 'a.com', reason: null, n: 5 }, { domain: 'a.com', reason: 'x', n: 5 }, { domain: 'a.com', reason: 'y', n: 9 }], 2);
    assert.deepEqual(top.get('a.com'), [{ reason: 'y', count: 9 }, { reason: 'x', count: 5 }]);
    assert.deepEqual(topReasonsByDomain([{ domain: 'a.com', reason: null, n: 5 }]).get('a.com'), [{ reason: null, count: 5 }]);
  });
});

describe('facets', () => {
  it('sorts by count and keeps the top', () => {
    const answer = { buckets: [{ level: 'info', count: 5 }, { level: 'error', count: 9 }, { level: null, count: 7 }, { level: 'warn', count: 1 }] };
    assert.deepEqual(topValues(answer, 'level', 3), [{ value: 'error', count: 9 }, { value: null, count: 7 }, { value: 'info', count: 5 }]);
  });
  it('writes numbers as text', () => {
    assert.deepEqual(topValues({ buckets: [{ status: 500, count: 2 }] }, 'status', 10), [{ value: '500', count: 2 }]);
  });
});

describe('trace timeline', () => {
  it('places events by their offset from the first', () => {
    assert.deepEqual(timelinePositions([ev('a', 1000), ev('b', 1250), ev('c', 2000)]),
      [{ offset: 0, share: 0 }, { offset: 250, share: 0.25 }, { offset: 1000, share: 1 }]);
  });
  it('puts events of one instant at the start', () => {
    assert.deepEqual(timelinePositions([ev('a', 5), ev('b', 5)]), [{ offset: 0, share: 0 }, { offset: 0, share: 0 }]);
    assert.deepEqual(timelinePositions([]), []);
  });
});

describe('context', () => {
  it('matches on the service, else the host', () => {
    assert.equal(contextQuery(ev('x', 1, { service: 'my api', host: 'h1' })), 'service:"my api"');
    assert.equal(contextQuery(ev('x', 1, { host: 'h1' })), 'host:h1');
    assert.equal(contextQuery(ev('x', 1)), null);
  });
  it('drops the event itself and repeats, five each side, oldest first', () => {
    const older = [ev('self', 10), ev('b5', 9), ev('b4', 8), ev('b3', 7), ev('b2', 6), ev('b1', 5)];
    const newer = [ev('b5', 9), ev('self', 10), ev('a1', 11), ev('a2', 12)];
    const { before, after } = splitContext('self', older, newer);
    assert.deepEqual(before.map((e) => e.id), ['b1', 'b2', 'b3', 'b4', 'b5']);
    assert.deepEqual(after.map((e) => e.id), ['a1', 'a2']);
  });
});

describe('live tail protocol', () => {
  it('builds the socket URL on the page\'s own origin', () => {
    assert.equal(tailUrl({ protocol: 'http:', host: 'localhost:5080' }, ''), 'ws://localhost:5080/ws');
    assert.equal(tailUrl({ protocol: 'https:', host: 'logs.example' }, 'level:error service:"a b"'), 'wss://logs.example/ws?query=level%3Aerror%20service%3A%22a%20b%22');
  });
  it('reads the three messages and ignores anything else', () => {
    assert.deepEqual(parseTailMessage('{"type":"events","events":[{"id":"e1","timestamp":5},{"id":"e2","timestamp":6}]}'),
      { type: 'events', events: [{ id: 'e1', timestamp: 5 }, { id: 'e2', timestamp: 6 }] });
    assert.deepEqual(parseTailMessage('{"type":"events","events":[{"id":"e1"},{},7]}'), { type: 'events', events: [{ id: 'e1' }] });
    assert.deepEqual(parseTailMessage('{"type":"skipped","count":1234}'), { type: 'skipped', count: 1234 });
    assert.deepEqual(parseTailMessage('{"type":"error","code":"invalid_query","message":"at character 3: x","position":3}'),
      { type: 'error', code: 'invalid_query', message: 'at character 3: x', position: 3 });
    assert.equal(parseTailMessage('not json'), null);
    assert.equal(parseTailMessage('{"type":"skipped","count":-1}'), null);
    assert.equal(parseTailMessage('{"type":"events","events":{}}'), null);
    assert.equal(parseTailMessage('{"type":"event","event":{"id":"e1"}}'), null);
    assert.equal(parseTailMessage('{"type":"hello"}'), null);
  });
});

describe('api', () => {
  it('builds paths, leaving out empty parameters', () => {
    assert.equal(buildPath('/api/logs/search', { query: 'level:error a b', limit: 100, cursor: null, start_time: 0, x: '' }),
      '/api/logs/search?query=level%3Aerror+a+b&limit=100&start_time=0');
    assert.equal(buildPath('/p'), '/p');
  });
  it('reads problem JSON', () => {
    const e = parseProblem(400, { status: 400, code: 'invalid_query', message: 'at character 7: bad', position: 7, field: 'query' });
    assert.deepEqual([e.status, e.code, e.message, e.position, e.field, e.unauthorized], [400, 'invalid_query', 'at character 7: bad', 7, 'query', false]);
    assert.equal(parseProblem(401, { code: 'missing_api_key', message: 'no key' }).unauthorized, true);
  });
  it('copes with an answer that is not problem JSON', () => {
    const e = parseProblem(502, undefined);
    assert.equal(e.code, 'http_502');
    assert.match(e.message, /502/);
  });
});

describe('dashboard config', () => {
  it('fills in missing lists', () => {
    assert.deepEqual(normalizeConfig({ saved_searches: [{ name: 'a', query: 'x' }] }),
      { saved_searches: [{ name: 'a', query: 'x' }], pinned_charts: [], saved_formulas: [], refresh_seconds: 0 });
    assert.deepEqual(normalizeConfig(null).saved_formulas, []);
  });
  it('replaces an entry of the same name', () => {
    assert.deepEqual(upsertByName([{ name: 'a', query: '1' }, { name: 'b', query: '2' }], { name: 'a', query: '3' }),
      [{ name: 'b', query: '2' }, { name: 'a', query: '3' }]);
  });
});

describe('event fields', () => {
  const event = ev('e1', 1000, {
    time: '1970-01-01T00:00:01.000Z', level: 'error', service: 'api', status: 500,
    attributes: { region: 'eu', service: 'inner', http: { method: 'GET' }, 'odd key': 1, tags: ['a'] },
  });
  it('lists top-level fields, then flattened attributes with their filter names', () => {
    const fields = eventFields(event).map((f) => [f.key, f.attribute, f.filterName]);
    assert.deepEqual(fields, [
      ['id', false, 'id'], ['timestamp', false, null], ['time', false, null], ['level', false, 'level'],
      ['service', false, 'service'], ['status', false, 'status'],
      ['region', true, 'region'], ['service', true, 'attributes.service'], ['http.method', true, 'http.method'],
      ['odd key', true, null], ['tags', true, 'tags'],
    ]);
  });
  it('filters by text for scalars only', () => {
    assert.equal(filterValue('x'), 'x');
    assert.equal(filterValue(500), '500');
    assert.equal(filterValue(true), 'true');
    assert.equal(filterValue(null), null);
    assert.equal(filterValue(['a']), null);
  });
  it('summarises traffic without a message', () => {
    assert.equal(summaryText(ev('t', 1, { decision: 'block', method: 'GET', domain: 'a.com', path: '/x', status: 403 })), 'block GET a.com /x 403');
    assert.equal(summaryText(ev('l', 1, { message: 'hello' })), 'hello');
  });
});
