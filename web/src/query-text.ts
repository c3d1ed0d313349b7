// Editing query-language text from the UI (docs/query.md): quoting values, adding include/exclude terms, and
// placing the caret under the character an error names. The server parses; this only writes text it will read
// the way the user meant.

/** Fields the language knows by name; an attribute sharing one of these names is reached as attributes.<name>. */
export const CANONICAL_FIELDS: ReadonlySet<string> = new Set([
  'id', 'message', 'service', 'system', 'host', 'domain', 'category', 'trace_id', 'span_id', 'request_id',
  'session_id', 'user_id', 'priority', 'stack_trace', 'url', 'method', 'status', 'path', 'ip_hash', 'country',
  'decision', 'reason', 'risk', 'ad_click', 'pattern_id', 'template', 'timestamp', '_time', 'kind', 'level',
]);

// Event JSON keys that are not filterable as equality: times (_time takes durations and ranges only) and the
// derived ISO text of the timestamp.
const NOT_FILTERABLE: ReadonlySet<string> = new Set(['timestamp', '_time', 'time']);

const NAME = /^[A-Za-z_@][A-Za-z0-9_.@-]*$/;

/** The language's name rule (docs/query.md `field`): ASCII letters, digits and `_ . @ -`, starting with a letter, `_` or `@`. */
export function isFieldName(text: string): boolean {
  return NAME.test(text);
}

/**
 * The name a filter uses for an event key: top-level keys as they are, attributes bare unless they share a
 * canonical name. Null when the language cannot name it (odd characters) or cannot compare it for equality.
 */
export function filterField(key: string, isAttribute: boolean): string | null {
  if (!isAttribute && NOT_FILTERABLE.has(key)) {
    return null;
  }
  const name = isAttribute && CANONICAL_FIELDS.has(key) ? `attributes.${key}` : key;
  return NAME.test(name) ? name : null;
}

// A bare word ends at a space, ( ) " or |; a backslash escapes; * is a wildcard; a leading > or < compares,
// a leading ( opens a value list and a leading [ a range. Anything like that goes in a phrase.
const PLAIN_WORD = /^[^\s()"|\\*<>[\]]+$/;

/** A value written so the language reads it back as exactly this text (equality, no wildcard). */
export function quoteValue(value: string): string {
  if (PLAIN_WORD.test(value) && !/^(and|or|not)$/i.test(value)) {
    return value;
  }
  // In a phrase a backslash keeps the next character; * must be escaped too or it would be a wildcard.
  return `"${value.replace(/[\\"*]/g, (c) => `\\${c}`)}"`;
}

/** A value that keeps its unescaped * as wildcards (a path pattern such as /api/*), quoted when it must be. */
export function quotePattern(value: string): string {
  if (/^[^\s()"|\\<>[\]]+$/.test(value) && !/^(and|or|not)$/i.test(value)) {
    return value;
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** field:value, or -field:value to exclude. */
export function filterTerm(field: string, value: string, exclude = false): string {
  return `${exclude ? '-' : ''}${field}:${quoteValue(value)}`;
}

/** Splits a query at its first top-level pipe: the filter, and the pipes (with their leading "|") or "". */
export function splitPipes(query: string): { filter: string; pipes: string } {
  const cut = scan(query).pipeAt;
  return cut < 0 ? { filter: query, pipes: '' } : { filter: query.slice(0, cut), pipes: query.slice(cut) };
}

interface Scan {
  /** Terms side by side at the top level (outside quotes and parentheses). */
  terms: string[];
  pipeAt: number;
}

function scan(text: string): Scan {
  const terms: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = -1;
  const close = (end: number): void => {
    if (start >= 0) {
      terms.push(text.slice(start, end));
      start = -1;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      if (start < 0) {
        start = i;
      }
      i++;
      continue;
    }
    if (quoted) {
      quoted = c !== '"';
      continue;
    }
    if (depth === 0 && c === '|') {
      close(i);
      return { terms, pipeAt: i };
    }
    if (depth === 0 && /\s/.test(c)) {
      close(i);
      continue;
    }
    if (start < 0) {
      start = i;
    }
    if (c === '"') {
      quoted = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    }
  }
  close(text.length);
  return { terms, pipeAt: -1 };
}

/**
 * Adds `field:value` (or `-field:value`) to a query's filter, keeping its pipes. A filter with a top-level OR is
 * wrapped in parentheses first, because terms side by side bind tighter than OR. The same term already present
 * changes nothing; its opposite (the include for an exclude and back) is taken out when that is safe.
 */
export function addFilterTerm(query: string, field: string, value: string, exclude = false): string {
  const { filter, pipes } = splitPipes(query);
  const term = filterTerm(field, value, exclude);
  const opposite = filterTerm(field, value, !exclude);
  const terms = scan(filter).terms;
  const keywords = terms.filter((t) => /^(and|or|not)$/i.test(t));
  const tail = pipes ? ` ${pipes.trimStart()}` : '';
  if (keywords.length === 0) {
    if (terms.includes(term)) {
      return query;
    }
    const kept = terms.filter((t) => t !== opposite);
    return [...kept, term].join(' ') + tail;
  }
  const hasOr = keywords.some((k) => /^or$/i.test(k));
  const base = hasOr ? `(${filter.trim()})` : filter.trim();
  return `${base} ${term}${tail}`;
}

export interface Caret {
  /** 0-based index of the character the error names (the text's length when it names the end). */
  index: number;
  before: string;
  at: string;
  after: string;
}

/**
 * Where an error's position falls in the text. The server's positions are 1-based characters (UTF-16 units,
 * as JavaScript counts them); a position past the end names the end, where something was expected.
 */
export function errorCaret(text: string, position: number): Caret {
  const safe = Number.isFinite(position) ? Math.trunc(position) : 1;
  const index = Math.min(Math.max(safe - 1, 0), text.length);
  // Keep a surrogate pair whole so the highlighted character is a real one.
  const width = index < text.length && /[\uD800-\uDBFF]/.test(text[index]) && index + 1 < text.length ? 2 : 1;
  return {
    index,
    before: text.slice(0, index),
    at: text.slice(index, index + width),
    after: text.slice(index + width),
  };
}
