import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRange, fixedRangeParams, fromLocalInput, parseInstant, pickBucket, presetParams, resolveRange, toLocalInput } from '../src/range';

const NOW = Date.UTC(2026, 4, 10, 12, 0, 0);

describe('resolveRange', () => {
  it('resolves presets relative to now', () => {
    assert.deepEqual(resolveRange({ range: '15m' }, NOW), { start: NOW - 15 * 60_000, end: NOW, preset: '15m' });
    assert.deepEqual(resolveRange({ range: '24h' }, NOW), { start: NOW - 86_400_000, end: NOW, preset: '24h' });
    assert.deepEqual(resolveRange({ range: '7d' }, NOW), { start: NOW - 7 * 86_400_000, end: NOW, preset: '7d' });
  });
  it('defaults to the last hour, also for an unknown preset', () => {
    assert.deepEqual(resolveRange({}, NOW), { start: NOW - 3_600_000, end: NOW, preset: '1h' });
    assert.deepEqual(resolveRange({ range: '3y' }, NOW), { start: NOW - 3_600_000, end: NOW, preset: '1h' });
  });
  it('takes a fixed window from ISO or epoch milliseconds, before any preset', () => {
    const from = '2026-05-01T00:00:00Z';
    const to = '2026-05-02T00:00:00.000Z';
    assert.deepEqual(resolveRange({ from, to, range: '15m' }, NOW), { start: Date.UTC(2026, 4, 1), end: Date.UTC(2026, 4, 2), preset: null });
    assert.deepEqual(resolveRange({ from: '1000', to: '2000' }, NOW), { start: 1000, end: 2000, preset: null });
  });
  it('runs an open window to now', () => {
    assert.deepEqual(resolveRange({ from: '2026-05-10T11:00:00Z' }, NOW), { start: NOW - 3_600_000, end: NOW, preset: null });
  });
  it('falls back when the window is reversed, empty or unreadable', () => {
    assert.equal(resolveRange({ from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' }, NOW).preset, '1h');
    assert.equal(resolveRange({ from: '2000', to: '2000' }, NOW).preset, '1h');
    assert.equal(resolveRange({ from: 'yesterday', to: 'now' }, NOW).preset, '1h');
  });
});

describe('parseInstant', () => {
  it('reads ISO with or without zone and epoch ms', () => {
    assert.equal(parseInstant('2026-01-01T05:00:00Z'), Date.UTC(2026, 0, 1, 5));
    assert.equal(parseInstant('2026-01-01T05:00:00+02:00'), Date.UTC(2026, 0, 1, 3));
    assert.equal(parseInstant('1767243600000'), 1767243600000);
  });
  it('refuses loose text', () => {
    assert.equal(parseInstant('Jan 1 2026'), null);
    assert.equal(parseInstant(''), null);
    assert.equal(parseInstant(undefined), null);
    assert.equal(parseInstant('2026-13-45T99:99'), null);
  });
});

describe('datetime-local inputs', () => {
  // TZ is Asia/Kolkata (UTC+05:30) under run.mjs.
  it('shows an instant as local wall time', () => {
    assert.equal(toLocalInput(Date.UTC(2026, 0, 2, 3, 4)), '2026-01-02T08:34');
  });
  it('reads local wall time back as the same instant', () => {
    assert.equal(fromLocalInput('2026-01-02T08:34'), Date.UTC(2026, 0, 2, 3, 4));
    assert.equal(fromLocalInput('2026-01-02T08:34:30'), Date.UTC(2026, 0, 2, 3, 4, 30));
    const ms = Date.UTC(2026, 6, 15, 22, 10);
    assert.equal(fromLocalInput(toLocalInput(ms)), ms);
  });
  it('refuses malformed input', () => {
    assert.equal(fromLocalInput(''), null);
    assert.equal(fromLocalInput('2026-01-02'), null);
  });
});

describe('range parameters', () => {
  it('writes a fixed window as ISO and clears the preset', () => {
    assert.deepEqual(fixedRangeParams(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 1) + 0.4), {
      range: null, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z',
    });
  });
  it('writes a preset and clears the window', () => {
    assert.deepEqual(presetParams('24h'), { range: '24h', from: null, to: null });
  });
  it('round-trips a fixed window through resolveRange', () => {
    const params = fixedRangeParams(1_700_000_000_000, 1_700_000_900_000);
    const range = resolveRange({ from: params.from!, to: params.to! }, NOW);
    assert.deepEqual([range.start, range.end], [1_700_000_000_000, 1_700_000_900_000]);
  });
  it('describes presets and windows', () => {
    assert.equal(describeRange({ start: 0, end: 1, preset: '7d' }, String), 'last 7d');
    assert.equal(describeRange({ start: 5, end: 9, preset: null }, String), '5 → 9');
  });
});

describe('pickBucket', () => {
  it('keeps at most the requested number of buckets', () => {
    assert.equal(pickBucket(15 * 60_000), '10s');
    assert.equal(pickBucket(60 * 60_000), '30s');
    assert.equal(pickBucket(24 * 3_600_000), '15m');
    assert.equal(pickBucket(7 * 86_400_000), '3h');
    assert.equal(pickBucket(400 * 86_400_000), '4d');
  });
});
