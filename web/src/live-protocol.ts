// The live tail's WebSocket: where it is, and the messages the server sends on it.
import type { EventJson } from './types';

export type TailMessage =
  | { type: 'events'; events: EventJson[] }
  | { type: 'skipped'; count: number }
  | { type: 'error'; code: string; message: string; position?: number };

/** ws(s)://host/ws?query=…, same origin (the session cookie goes along). */
export function tailUrl(loc: { protocol: string; host: string }, query: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws${query ? `?query=${encodeURIComponent(query)}` : ''}`;
}

/** A text frame as a message, or null for anything malformed or unknown (ignored rather than fatal). */
export function parseTailMessage(data: unknown): TailMessage | null {
  if (typeof data !== 'string') {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') {
    return null;
  }
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'events':
      // The server sends what waited for this subscriber in one message; a malformed event is left out.
      return Array.isArray(m.events)
        ? { type: 'events', events: m.events.filter((e): e is EventJson => !!e && typeof e === 'object' && typeof (e as EventJson).id === 'string') }
        : null;
    case 'skipped':
      return typeof m.count === 'number' && Number.isFinite(m.count) && m.count >= 0 ? { type: 'skipped', count: m.count } : null;
    case 'error':
      return {
        type: 'error',
        code: typeof m.code === 'string' ? m.code : 'error',
        message: typeof m.message === 'string' ? m.message : 'The live tail failed',
        position: typeof m.position === 'number' ? m.position : undefined,
      };
    default:
      return null;
  }
}
