// Facets on any field: the name rule the picker checks, which field a URL asks for, reading the server's
// answer when it names the column differently, and the names the picker suggests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { facetField, facetFilterable, facetSuggestions, topValues, valueColumn } from '../src/aggregate';
import { isFieldName } from '../src/query-text';
import type { EventJson } from '../src/types';

describe('field names', () => {
  it('takes letters, digits and _ . @ -, starting with a letter, _ or @', () => {
    for (const name of ['level', 'service', 'http.method', 'user-agent', '_time', '@mt', 'a1', 'attributes.region', 'X_y.z-w@v']) {
      assert.equal(isFieldName(name), true, name);
    }
  });
  it('refuses anything else', () => {
    for (const name of ['', '1abc', '.x', '-x', 'odd key', 'a:b', 'a|b', 'a"b', 'é', 'café', 'a\n', ' level', 'a(b)', 'a*']) {
      assert.equal(isFieldName(name), false, JSON.stringify(name));
    }
  });
});

describe('facet field from the URL', () => {
  it('keeps any valid name, trimmed', () => {
    assert.equal(facetField('region'), 'region');
    assert.equal(facetField('attributes.service'), 'attributes.service');
    assert.equal(facetField(' host '), 'host');
  });
  it('falls back to level for none or an invalid name', () => {
    assert.equal(facetField(undefined), 'level');
    assert.equal(facetField(''), 'level');
    assert.equal(facetField('bad name'), 'level');
    assert.equal(facetField('9lives'), 'level');
  });
  it('offers values as filters except for times', () => {
    assert.equal(facetFilterable('region'), true);
    assert.equal(facetFilterable('time'), true);
    assert.equal(facetFilterable('_time'), false);
    assert.equal(facetFilterable('timestamp'), false);
  });
});

describe('facet answers', () => {
  it('reads the column under the name asked for', () => {
    assert.equal(valueColumn({ buckets: [{ region: 'eu', count: 1 }] }, 'region'), 'region');
    assert.equal(valueColumn({ buckets: [] }, 'region'), 'region');
  });
  it('finds the column the server renamed (attributes.region comes back as region)', () => {
    const answer = { buckets: [{ region: 'eu', count: 3 }, { region: null, count: 4 }, { region: 'us', count: 5 }] };
    assert.equal(valueColumn(answer, 'attributes.region'), 'region');
    assert.deepEqual(topValues(answer, 'attributes.region', 10),
      [{ value: 'us', count: 5 }, { value: null, count: 4 }, { value: 'eu', count: 3 }]);
  });
});

describe('facet suggestions', () => {
  const ev = (extra: Partial<EventJson>): EventJson => ({ id: 'x', timestamp: 1, ...extra });
  it('lists the known fields first, then the shown events\' names by name, once each', () => {
    const events = [
      ev({ time: 't', level: 'info', service: 'api', attributes: { zone: 'a', region: 'eu', service: 'inner', http: { method: 'GET' } } }),
      ev({ level: 'warn', attributes: { region: 'us', 'odd key': 1, user_agent: 'x' } }),
    ];
    assert.deepEqual(facetSuggestions(['level', 'service'], events),
      ['level', 'service', 'attributes.service', 'http.method', 'id', 'region', 'user_agent', 'zone']);
  });
  it('is the known list alone without events', () => {
    assert.deepEqual(facetSuggestions(['level', 'host'], []), ['level', 'host']);
  });
  it('stops at 200 names', () => {
    const attributes = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${String(i).padStart(3, '0')}`, 'v']));
    const names = facetSuggestions(['level'], [ev({ attributes })]);
    assert.equal(names.length, 200);
    assert.equal(names[0], 'level');
  });
});
