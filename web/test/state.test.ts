import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeParam, formatLocation, linkTo, parseLocation, sharedParams, withParams, type AppState } from '../src/state';

/** The URL a browser would hold, split the way location splits it. */
function roundTrip(state: AppState): AppState {
  const url = new URL(formatLocation(state), 'http://localhost');
  return parseLocation(url.pathname, url.search);
}

describe('parseLocation', () => {
  it('maps paths to routes', () => {
    assert.equal(parseLocation('/', '').route, 'overview');
    assert.equal(parseLocation('/explore', '').route, 'explore');
    assert.equal(parseLocation('/explore/', '').route, 'explore');
    assert.equal(parseLocation('/live', '').route, 'live');
    assert.equal(parseLocation('/traffic', '').route, 'traffic');
    assert.equal(parseLocation('/formulas', '').route, 'formulas');
    assert.equal(parseLocation('/nope', '').route, 'notfound');
  });
  it('reads the trace id, decoded', () => {
    assert.deepEqual(parseLocation('/trace/abc%2Fdef', ''), { route: 'trace', traceId: 'abc/def', params: {} });
  });
  it('reads parameters, dropping empty ones and keeping the first of repeats', () => {
    assert.deepEqual(parseLocation('/explore', '?q=level%3Aerror&range=1h&event=&q=other').params, { q: 'level:error', range: '1h' });
  });
});

describe('formatLocation', () => {
  it('writes parameters in a fixed order whatever the insertion order', () => {
    const a = formatLocation({ route: 'explore', traceId: '', params: { event: 'e1', range: '15m', q: 'x' } });
    const b = formatLocation({ route: 'explore', traceId: '', params: { q: 'x', event: 'e1', range: '15m' } });
    assert.equal(a, '/explore?q=x&range=15m&event=e1');
    assert.equal(a, b);
  });
  it('keeps query text readable', () => {
    assert.equal(formatLocation({ route: 'explore', traceId: '', params: { q: 'level:error path:/api/*' } }), '/explore?q=level:error+path:/api/*');
  });
  it('encodes what would break the URL', () => {
    assert.equal(encodeParam('a&b=c+d #e'), 'a%26b%3Dc%2Bd+%23e');
  });
  it('has no query string without parameters', () => {
    assert.equal(formatLocation({ route: 'overview', traceId: '', params: {} }), '/');
    assert.equal(formatLocation({ route: 'trace', traceId: 'a b/c', params: {} }), '/trace/a%20b%2Fc');
  });
});

describe('round trip', () => {
  const cases: AppState[] = [
    { route: 'overview', traceId: '', params: { range: '24h', refresh: '30s' } },
    { route: 'explore', traceId: '', params: { q: 'service:"my api" -level:debug message:"50% \\"off\\"" +x & y=z', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', event: '01JABC' } },
    { route: 'explore', traceId: '', params: { q: 'ünïcödé 日本語 😀 a+b', facet: 'host' } },
    { route: 'traffic', traceId: '', params: { domain: 'shop.example', decision: 'block', country: 'DE', path: '/api/*', gran: 'hour', date: '2026-05-01', hour: '07' } },
    { route: 'formulas', traceId: '', params: { f: 'count(decision:block) / count() * 100' } },
    { route: 'trace', traceId: 'trace/with?odd#chars', params: { range: '7d' } },
    { route: 'live', traceId: '', params: { q: 'level:>=warn' } },
  ];
  for (const state of cases) {
    it(`keeps ${state.route} ${JSON.stringify(state.params)}`, () => {
      assert.deepEqual(roundTrip(state), state);
    });
  }
});

describe('withParams and links', () => {
  const state: AppState = { route: 'explore', traceId: '', params: { q: 'x', range: '1h', refresh: '5s', event: 'e' } };
  it('sets and removes parameters without touching the original', () => {
    const next = withParams(state, { q: 'y', event: null, facet: '' });
    assert.deepEqual(next.params, { q: 'y', range: '1h', refresh: '5s' });
    assert.equal(state.params.q, 'x');
  });
  it('carries the range and refresh to other pages, not the page\'s own state', () => {
    assert.deepEqual(sharedParams(state), { range: '1h', refresh: '5s' });
    assert.equal(linkTo(state, 'traffic', { domain: 'a.b' }), '/traffic?range=1h&refresh=5s&domain=a.b');
  });
});
