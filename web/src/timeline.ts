// Placing a trace's events on a line: offsets from the first event and shares of the whole span.
import type { EventJson } from './types';

/** Each event's offset from the earliest (ms) and its share of the whole span (0..1); a zero span puts all at 0. */
export function timelinePositions(events: readonly EventJson[]): { offset: number; share: number }[] {
  if (events.length === 0) {
    return [];
  }
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    first = Math.min(first, e.timestamp);
    last = Math.max(last, e.timestamp);
  }
  const span = last - first;
  return events.map((e) => ({ offset: e.timestamp - first, share: span > 0 ? (e.timestamp - first) / span : 0 }));
}
