// Shaping /api/logs/aggregate answers for the facet list, and which fields the facet picker offers.
import { eventFields } from './events-view';
import { isFieldName } from './query-text';
import type { AggregateAnswer, EventJson } from './types';

/** The facet shown when the URL names none (or a name the language cannot read). */
export const DEFAULT_FACET = 'level';

/** The facet field a URL parameter asks for: any name the language reads, else the default. */
export function facetField(param: string | undefined): string {
  const name = param?.trim() ?? '';
  return isFieldName(name) ? name : DEFAULT_FACET;
}

/**
 * The column an answer holds a field's values in. The server names it after the field as it resolves it, which is
 * not always the name asked for (`attributes.region` comes back as `region`, `_time` as `timestamp`), so when
 * the asked name is absent it is the answer's one column besides `count`.
 */
export function valueColumn(answer: AggregateAnswer, field: string): string {
  const first = answer.buckets?.[0];
  if (!first || field in first) {
    return field;
  }
  return Object.keys(first).find((key) => key !== 'count') ?? field;
}

/** The top values of one field, most first (ties by value); null stands for events without the field. */
export function topValues(answer: AggregateAnswer, field: string, limit: number): { value: string | null; count: number }[] {
  const column = valueColumn(answer, field);
  const values = (answer.buckets ?? []).map((b) => {
    const raw = b[column];
    return { value: raw === null || raw === undefined ? null : String(raw), count: typeof b.count === 'number' ? b.count : 0 };
  });
  values.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return values.slice(0, limit);
}

/** Whether a facet's values can be added to the query as field:value (times take durations and ranges only). */
export function facetFilterable(field: string): boolean {
  return field !== 'timestamp' && field !== '_time';
}

// Enough names to pick from; events with hundreds of attribute keys should not make the list unusable.
const MAX_SUGGESTIONS = 200;

/** The fields the picker suggests: the known ones in their order, then the names in the shown events, by name. */
export function facetSuggestions(known: readonly string[], events: Iterable<EventJson>): string[] {
  const seen = new Set(known);
  const found: string[] = [];
  for (const ev of events) {
    for (const { filterName } of eventFields(ev)) {
      if (filterName !== null && !seen.has(filterName)) {
        seen.add(filterName);
        found.push(filterName);
      }
    }
  }
  found.sort();
  return [...known, ...found].slice(0, MAX_SUGGESTIONS);
}
