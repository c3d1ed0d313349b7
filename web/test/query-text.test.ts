import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addFilterTerm, errorCaret, filterField, filterTerm, quotePattern, quoteValue, splitPipes } from '../src/query-text';

describe('quoteValue', () => {
  it('leaves plain words bare', () => {
    assert.equal(quoteValue('api'), 'api');
    assert.equal(quoteValue('shop.example.com'), 'shop.example.com');
    assert.equal(quoteValue('500'), '500');
    assert.equal(quoteValue('/api/v1/users'), '/api/v1/users');
    assert.equal(quoteValue('a:b'), 'a:b');
  });
  it('quotes spaces and the characters that end a word', () => {
    assert.equal(quoteValue('connection timeout'), '"connection timeout"');
    assert.equal(quoteValue('f(x)'), '"f(x)"');
    assert.equal(quoteValue('a|b'), '"a|b"');
    assert.equal(quoteValue('tab\there'), '"tab\there"');
  });
  it('escapes quotes and backslashes inside a phrase', () => {
    assert.equal(quoteValue('say "hi"'), '"say \\"hi\\""');
    assert.equal(quoteValue('C:\\temp'), '"C:\\\\temp"');
  });
  it('escapes stars so they match literally, not as wildcards', () => {
    assert.equal(quoteValue('*'), '"\\*"');
    assert.equal(quoteValue('a*b'), '"a\\*b"');
  });
  it('quotes what would read as a comparison, a list, a range, a keyword or nothing', () => {
    assert.equal(quoteValue('>5'), '">5"');
    assert.equal(quoteValue('<=x'), '"<=x"');
    assert.equal(quoteValue('[1,2]'), '"[1,2]"');
    assert.equal(quoteValue('OR'), '"OR"');
    assert.equal(quoteValue('not'), '"not"');
    assert.equal(quoteValue(''), '""');
  });
});

describe('quotePattern', () => {
  it('keeps wildcards', () => {
    assert.equal(quotePattern('/api/*'), '/api/*');
    assert.equal(quotePattern('/my path/*'), '"/my path/*"');
  });
});

describe('filterField', () => {
  it('names top-level fields as they are', () => {
    assert.equal(filterField('service', false), 'service');
    assert.equal(filterField('status', false), 'status');
  });
  it('names attributes bare, or under attributes. when they share a canonical name', () => {
    assert.equal(filterField('region', true), 'region');
    assert.equal(filterField('http.method', true), 'http.method');
    assert.equal(filterField('service', true), 'attributes.service');
    assert.equal(filterField('level', true), 'attributes.level');
  });
  it('gives no name for times or keys the language cannot spell', () => {
    assert.equal(filterField('timestamp', false), null);
    assert.equal(filterField('time', false), null);
    assert.equal(filterField('my key', true), null);
    assert.equal(filterField('9lives', true), null);
    assert.equal(filterField('ünï', true), null);
  });
});

describe('filterTerm', () => {
  it('writes include and exclude terms', () => {
    assert.equal(filterTerm('service', 'api'), 'service:api');
    assert.equal(filterTerm('service', 'my api', true), '-service:"my api"');
  });
});

describe('addFilterTerm', () => {
  it('starts an empty query', () => {
    assert.equal(addFilterTerm('', 'level', 'error'), 'level:error');
    assert.equal(addFilterTerm('   ', 'level', 'error', true), '-level:error');
  });
  it('adds beside existing terms', () => {
    assert.equal(addFilterTerm('service:api', 'level', 'error'), 'service:api level:error');
    assert.equal(addFilterTerm('"connection reset"', 'host', 'web 1', true), '"connection reset" -host:"web 1"');
  });
  it('changes nothing when the term is there', () => {
    assert.equal(addFilterTerm('level:error service:api', 'service', 'api'), 'level:error service:api');
  });
  it('swaps an include for its exclude and back', () => {
    assert.equal(addFilterTerm('level:error service:api', 'service', 'api', true), 'level:error -service:api');
    assert.equal(addFilterTerm('-service:api x', 'service', 'api'), 'x service:api');
  });
  it('wraps a top-level OR so the new term applies to all of it', () => {
    assert.equal(addFilterTerm('level:error OR status:>=500', 'service', 'api'), '(level:error OR status:>=500) service:api');
    assert.equal(addFilterTerm('a or b', 'host', 'h'), '(a or b) host:h');
  });
  it('does not take OR inside quotes or parentheses for a top-level OR', () => {
    assert.equal(addFilterTerm('"this OR that"', 'host', 'h'), '"this OR that" host:h');
    assert.equal(addFilterTerm('country:(DE OR NL)', 'host', 'h'), 'country:(DE OR NL) host:h');
  });
  it('keeps NOT and AND as written', () => {
    assert.equal(addFilterTerm('NOT service:api', 'service', 'api'), 'NOT service:api service:api');
    assert.equal(addFilterTerm('a AND b', 'host', 'h'), 'a AND b host:h');
  });
  it('adds to the filter, before the pipes', () => {
    assert.equal(addFilterTerm('level:error | stats count() by service', 'host', 'h'), 'level:error host:h | stats count() by service');
    assert.equal(addFilterTerm('message:"a|b" | top 5 host', 'kind', 'log'), 'message:"a|b" kind:log | top 5 host');
  });
});

describe('splitPipes', () => {
  it('splits at the first pipe outside quotes', () => {
    assert.deepEqual(splitPipes('"x|y" z | limit 5'), { filter: '"x|y" z ', pipes: '| limit 5' });
    assert.deepEqual(splitPipes('no pipes'), { filter: 'no pipes', pipes: '' });
    assert.deepEqual(splitPipes('a\\|b | c'), { filter: 'a\\|b ', pipes: '| c' });
  });
});

describe('errorCaret', () => {
  it('maps the server\'s 1-based position to a 0-based index', () => {
    // docs/query.md: "level:loud" → at character 7, the 'l' of loud.
    const caret = errorCaret('level:loud', 7);
    assert.equal(caret.index, 6);
    assert.deepEqual([caret.before, caret.at, caret.after], ['level:', 'l', 'oud']);
  });
  it('marks the first character at position 1', () => {
    assert.deepEqual(errorCaret('x', 1), { index: 0, before: '', at: 'x', after: '' });
  });
  it('names the end when the position is just past the text', () => {
    // docs/query.md: "a AND (b OR" → at 12, expected a filter term (the text has 11 characters).
    assert.deepEqual(errorCaret('a AND (b OR', 12), { index: 11, before: 'a AND (b OR', at: '', after: '' });
  });
  it('clamps nonsense positions into the text', () => {
    assert.equal(errorCaret('abc', 0).index, 0);
    assert.equal(errorCaret('abc', -3).index, 0);
    assert.equal(errorCaret('abc', 99).index, 3);
    assert.equal(errorCaret('abc', Number.NaN).index, 0);
  });
  it('keeps a surrogate pair whole', () => {
    const caret = errorCaret('a😀b', 2);
    assert.equal(caret.at, '😀');
    assert.equal(caret.after, 'b');
  });
});
