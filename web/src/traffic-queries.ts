// The per-domain table's queries. stats has no count(<filter>) (docs/query.md: an aggregate takes a field name,
// not a filter), and the custom endpoint takes no start/end, so: one query for requests per domain within
// _time:[start, end), one for the blocked among those domains, one for their block reasons, joined here.
import { filterTerm, quotePattern, quoteValue } from './query-text';

export interface TrafficFilters {
  domain?: string;
  decision?: string;
  country?: string;
  path?: string;
}

export const DOMAIN_LIMIT = 50;

/** The filter every traffic query of the page shares: kind, the range, and the listing's filters. */
export function trafficFilter(start: number, end: number, filters: TrafficFilters): string {
  const terms = ['kind:traffic', `_time:[${new Date(start).toISOString()}, ${new Date(end).toISOString()})`];
  for (const field of ['domain', 'decision', 'country'] as const) {
    const value = filters[field];
    if (value) {
      terms.push(filterTerm(field, value));
    }
  }
  if (filters.path) {
    terms.push(`path:${quotePattern(filters.path)}`); // the listing takes * wildcards in paths, so this does too
  }
  return terms.join(' ');
}

export function requestsQuery(filter: string): string {
  return `${filter} | stats count() as requests by domain | sort by requests desc | limit ${DOMAIN_LIMIT}`;
}

/** Blocked counts for the listed domains only (the list is at most DOMAIN_LIMIT values, so the filter stays small). */
export function blockedQuery(filter: string, domains: string[]): string | null {
  if (domains.length === 0) {
    return null;
  }
  const list = domains.map(quoteValue).join(' OR ');
  return `${filter} decision:block domain:(${list}) | stats count() as blocked by domain | limit ${DOMAIN_LIMIT}`;
}

export const REASON_ROWS = 1000;
export const REASONS_PER_DOMAIN = 3;

/** Blocked counts per (domain, reason) for the listed domains, most first; the top few of each are kept here. */
export function reasonsQuery(filter: string, domains: string[]): string | null {
  if (domains.length === 0) {
    return null;
  }
  const list = domains.map(quoteValue).join(' OR ');
  return `${filter} decision:block domain:(${list}) | stats count() as n by (domain, reason) | sort by n desc | limit ${REASON_ROWS}`;
}

export interface ReasonCount {
  /** null for blocked events without a reason. */
  reason: string | null;
  count: number;
}

/**
 * Each domain's top block reasons, most first (ties by reason, so the order does not depend on the server's).
 * Rows without a domain are left out: the table's "(no domain)" row has no blocked count either.
 */
export function topReasonsByDomain(rows: Record<string, unknown>[], perDomain = REASONS_PER_DOMAIN): Map<string, ReasonCount[]> {
  const byDomain = new Map<string, ReasonCount[]>();
  for (const row of rows) {
    if (typeof row.domain !== 'string') {
      continue;
    }
    const reason = row.reason === null || row.reason === undefined ? null : String(row.reason);
    const list = byDomain.get(row.domain) ?? [];
    list.push({ reason, count: num(row.n) });
    byDomain.set(row.domain, list);
  }
  for (const [domain, list] of byDomain) {
    list.sort((a, b) => b.count - a.count || compareReasons(a.reason, b.reason));
    byDomain.set(domain, list.filter((r) => r.count > 0).slice(0, perDomain));
  }
  return byDomain;
}

/** Reasons by name, events without one last. */
function compareReasons(a: string | null, b: string | null): number {
  if (a === b) {
    return 0;
  }
  if (a === null || b === null) {
    return a === null ? 1 : -1;
  }
  return a < b ? -1 : 1;
}

export interface DomainRow {
  domain: string | null;
  requests: number;
  blocked: number;
  /** blocked / requests, 0 when there are no requests. */
  blockShare: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

/** Joins the two answers' rows by domain, in the order of the requests answer. */
export function joinDomainRows(requestRows: Record<string, unknown>[], blockedRows: Record<string, unknown>[]): DomainRow[] {
  const blocked = new Map<string, number>();
  for (const row of blockedRows) {
    if (typeof row.domain === 'string') {
      blocked.set(row.domain, num(row.blocked));
    }
  }
  return requestRows.map((row) => {
    const domain = typeof row.domain === 'string' ? row.domain : null;
    const requests = num(row.requests);
    const b = domain === null ? 0 : blocked.get(domain) ?? 0;
    return { domain, requests, blocked: b, blockShare: requests > 0 ? b / requests : 0 };
  });
}
