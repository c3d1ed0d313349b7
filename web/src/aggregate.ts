// Shaping /api/logs/aggregate answers for the facet list.
import type { AggregateAnswer } from './types';

/** The top values of one field, most first (ties by value); null stands for events without the field. */
export function topValues(answer: AggregateAnswer, field: string, limit: number): { value: string | null; count: number }[] {
  const values = (answer.buckets ?? []).map((b) => {
    const raw = b[field];
    return { value: raw === null || raw === undefined ? null : String(raw), count: typeof b.count === 'number' ? b.count : 0 };
  });
  values.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return values.slice(0, limit);
}
