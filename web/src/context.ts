// The events just before and after one event from the same service (or host): two small searches around its
// timestamp, without the event itself.
import { getJson } from './api';
import { filterTerm } from './query-text';
import type { EventJson, SearchAnswer } from './types';

const AROUND = 5;

/** The field neighbours share: the service, or the host when there is no service. */
export function contextKey(ev: EventJson): { field: string; value: string } | null {
  for (const field of ['service', 'host']) {
    const value = ev[field];
    if (typeof value === 'string' && value !== '') {
      return { field, value };
    }
  }
  return null;
}

/** The filter for an event's neighbours, or null when it has neither service nor host. */
export function contextQuery(ev: EventJson): string | null {
  const key = contextKey(ev);
  return key ? filterTerm(key.field, key.value) : null;
}

/** Up to five events before (oldest first) and five after, none of them the event itself or repeated. */
export async function fetchContext(ev: EventJson, signal?: AbortSignal): Promise<{ before: EventJson[]; after: EventJson[] }> {
  const query = contextQuery(ev);
  if (query === null) {
    return { before: [], after: [] };
  }
  // end_time is exclusive, so ts+1 reaches events at the same millisecond; one extra for the event itself.
  const [older, newer] = await Promise.all([
    getJson<SearchAnswer>('/api/logs/search', { query, end_time: ev.timestamp + 1, order: 'desc', limit: AROUND + 1 }, signal),
    getJson<SearchAnswer>('/api/logs/search', { query, start_time: ev.timestamp, order: 'asc', limit: AROUND + 1 }, signal),
  ]);
  return splitContext(ev.id, older.events, newer.events);
}

/** Drops the event and repeats, keeps five each side, and orders both lists oldest first. */
export function splitContext(id: string, olderDesc: EventJson[], newerAsc: EventJson[]): { before: EventJson[]; after: EventJson[] } {
  const before = olderDesc.filter((e) => e.id !== id).slice(0, AROUND).reverse();
  const seen = new Set(before.map((e) => e.id));
  const after = newerAsc.filter((e) => e.id !== id && !seen.has(e.id)).slice(0, AROUND);
  return { before, after };
}
