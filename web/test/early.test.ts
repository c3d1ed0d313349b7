// The first load's requests, made beside the session check: handed to the overview once and only for the same
// range, dropped otherwise, quiet about a 401 until used.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type RequestOptions } from '../src/api';
import { normalizeConfig } from '../src/config';
import { rangeKey, startEarly, type EarlyFetchers } from '../src/early';
import type { TimeRange } from '../src/range';
import type { AppState } from '../src/state';
import type { DashboardConfig, DashboardStats } from '../src/types';

const NOW = Date.UTC(2026, 0, 1, 12);
const overview = (params: Record<string, string> = {}): AppState => ({ route: 'overview', traceId: '', params });
const stats = { start_time: 1 } as unknown as DashboardStats;
const config = normalizeConfig({ refresh_seconds: 30 });

interface Call { what: 'stats' | 'config'; range?: TimeRange; signal: AbortSignal; options: RequestOptions }

/** Fetchers that record their calls and answer with what `answer` says (a value, or an error to reject with). */
function fake(answer: (call: Call, n: number) => unknown = (call) => (call.what === 'stats' ? stats : config)) {
  const calls: Call[] = [];
  const settle = <T>(call: Call): Promise<T> => {
    calls.push(call);
    const value = answer(call, calls.filter((c) => c.what === call.what).length);
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value as T);
  };
  const fetchers: EarlyFetchers = {
    stats: (range, signal, options) => settle<DashboardStats>({ what: 'stats', range, signal, options }),
    config: (signal, options) => settle<DashboardConfig>({ what: 'config', signal, options }),
  };
  return { calls, fetchers };
}

const unauthorized = (): ApiError => new ApiError(401, 'missing_api_key', 'an API key is required');

describe('first load', () => {
  it('asks for the overview\'s stats over its range and the config, quietly', () => {
    const { calls, fetchers } = fake();
    startEarly(overview({ range: '15m' }), NOW, fetchers);
    assert.deepEqual(calls.map((c) => [c.what, c.options.quiet]), [['config', true], ['stats', true]]);
    assert.deepEqual(calls[1].range, { start: NOW - 15 * 60_000, end: NOW, preset: '15m' });
  });
  it('asks only for the config on other pages', () => {
    const { calls, fetchers } = fake();
    const early = startEarly({ route: 'explore', traceId: '', params: {} }, NOW, fetchers);
    assert.deepEqual(calls.map((c) => c.what), ['config']);
    assert.equal(early.takeFirstLoad(overview()), null);
  });
  it('hands the stats to the overview once, with the range they were asked for', async () => {
    const { calls, fetchers } = fake();
    const early = startEarly(overview({ range: '24h' }), NOW, fetchers);
    const first = early.takeFirstLoad(overview({ range: '24h' }));
    assert.ok(first);
    assert.deepEqual(first.range, { start: NOW - 86_400_000, end: NOW, preset: '24h' });
    assert.equal(await first.stats, stats);
    assert.equal(await first.config, config);
    assert.equal(early.takeFirstLoad(overview({ range: '24h' })), null);
    assert.equal(calls.length, 2, 'nothing asked twice');
  });
  it('drops the stats when the range or the page changed', () => {
    for (const state of [overview({ range: '7d' }), overview({ range: '1h', from: '2026-01-01T00:00:00Z' }), { route: 'traffic', traceId: '', params: { range: '1h' } } as AppState]) {
      const { calls, fetchers } = fake();
      const early = startEarly(overview({ range: '1h' }), NOW, fetchers);
      assert.equal(early.takeFirstLoad(state), null, JSON.stringify(state));
      const statsCall = calls.find((c) => c.what === 'stats')!;
      assert.equal(statsCall.signal.aborted, true);
      assert.equal(calls.find((c) => c.what === 'config')!.signal.aborted, false, 'the shell still reads the config');
    }
  });
  it('aborts the stats when the overview gives up on them', () => {
    const { calls, fetchers } = fake();
    const first = startEarly(overview(), NOW, fetchers).takeFirstLoad(overview())!;
    first.abort();
    assert.equal(calls.find((c) => c.what === 'stats')!.signal.aborted, true);
    assert.equal(calls.find((c) => c.what === 'config')!.signal.aborted, false);
  });
  it('discards everything when the session needs a sign-in', () => {
    const { calls, fetchers } = fake(() => unauthorized());
    const early = startEarly(overview(), NOW, fetchers);
    early.discard();
    assert.deepEqual(calls.map((c) => c.signal.aborted), [true, true]);
    assert.equal(early.takeFirstLoad(overview()), null);
  });
  it('keeps the config once the shell uses it', () => {
    const { calls, fetchers } = fake();
    const early = startEarly(overview(), NOW, fetchers);
    void early.config();
    early.discard();
    assert.deepEqual(calls.map((c) => [c.what, c.signal.aborted]), [['config', false], ['stats', true]]);
  });
  it('asks again, loudly, when a quiet request was refused and is then used', async () => {
    const { calls, fetchers } = fake((call, n) => (n === 1 ? unauthorized() : call.what === 'stats' ? stats : config));
    const early = startEarly(overview(), NOW, fetchers);
    const first = early.takeFirstLoad(overview())!;
    assert.equal(await first.stats, stats);
    assert.equal(await early.config(), config);
    assert.deepEqual(calls.map((c) => [c.what, c.options.quiet ?? false]), [['config', true], ['stats', true], ['stats', false], ['config', false]]);
  });
  it('passes other failures on without asking again', async () => {
    const { calls, fetchers } = fake(() => new ApiError(500, 'http_500', 'boom'));
    const first = startEarly(overview(), NOW, fetchers).takeFirstLoad(overview())!;
    await assert.rejects(first.stats, (e: unknown) => e instanceof ApiError && e.status === 500);
    assert.equal(calls.length, 2);
  });
  it('keys ranges by their parameters', () => {
    assert.equal(rangeKey({ range: '1h', q: 'x' }), rangeKey({ range: '1h' }));
    assert.notEqual(rangeKey({ range: '1h' }), rangeKey({}));
    assert.notEqual(rangeKey({ from: 'a', to: 'b' }), rangeKey({ from: 'a' }));
  });
});
