// Auto-refresh: the URL's interval, the saved default (refresh_seconds) when the URL names none, and what a pick
// in the select writes to the URL and the config.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveRefresh, REFRESH_CHOICES, refreshChoiceParam, refreshMs, refreshParam, refreshSeconds } from '../src/refresh';

describe('refresh intervals', () => {
  it('reads the select\'s choices and other whole seconds or minutes', () => {
    assert.deepEqual(REFRESH_CHOICES.map(([v]) => refreshMs(v)), [0, 5_000, 30_000, 60_000]);
    assert.equal(refreshMs('10s'), 10_000);
    assert.equal(refreshMs('5m'), 300_000);
    assert.equal(refreshMs('1440m'), 86_400_000);
  });
  it('is off for anything else', () => {
    for (const value of [undefined, '', 'off', '0s', '05s', '1h', '1.5m', '5 s', 's', '86401s', '1441m', '9999999s']) {
      assert.equal(refreshMs(value), 0, String(value));
    }
  });
  it('writes a saved number of seconds as a parameter', () => {
    assert.equal(refreshParam(0), '');
    assert.equal(refreshParam(5), '5s');
    assert.equal(refreshParam(30), '30s');
    assert.equal(refreshParam(60), '1m');
    assert.equal(refreshParam(90), '90s');
    assert.equal(refreshParam(600), '10m');
    assert.equal(refreshParam(-5), '');
    assert.equal(refreshParam(2.5), '');
    assert.equal(refreshParam(86_401), '');
  });
  it('saves a pick as seconds', () => {
    assert.deepEqual(REFRESH_CHOICES.map(([v]) => refreshSeconds(v)), [0, 5, 30, 60]);
    assert.equal(refreshSeconds('90s'), 90);
  });
});

describe('refresh in force', () => {
  it('is the URL\'s when it has one', () => {
    assert.equal(effectiveRefresh('5s', 60), '5s');
    assert.equal(effectiveRefresh('1m', 0), '1m');
  });
  it('is off for refresh=off or an unknown value, whatever is saved', () => {
    assert.equal(effectiveRefresh('off', 30), '');
    assert.equal(effectiveRefresh('bogus', 30), '');
  });
  it('is the saved default without a parameter', () => {
    assert.equal(effectiveRefresh(undefined, 30), '30s');
    assert.equal(effectiveRefresh(undefined, 60), '1m');
    assert.equal(effectiveRefresh('', 120), '2m');
    assert.equal(effectiveRefresh(undefined, 0), '');
  });
  it('writes a pick to the URL, off only where the default would turn refresh on', () => {
    assert.equal(refreshChoiceParam('30s', 0), '30s');
    assert.equal(refreshChoiceParam('30s', 5), '30s');
    assert.equal(refreshChoiceParam('', 0), null);
    assert.equal(refreshChoiceParam('', 30), 'off');
    assert.equal(effectiveRefresh(refreshChoiceParam('', 30) ?? undefined, 30), '');
  });
});
