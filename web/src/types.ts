// Shapes of the server's answers that the dashboard reads (docs/api.md). Only the fields used are declared.

export interface EventJson {
  id: string;
  timestamp: number;
  time?: string;
  kind?: string;
  level?: string;
  message?: string;
  service?: string;
  host?: string;
  trace_id?: string;
  attributes?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface SearchAnswer {
  events: EventJson[];
  next_cursor: string | null;
}

export interface Ranked {
  value: string;
  count: number;
}

export interface Health {
  status: 'ok' | 'degraded' | string;
  ready: boolean;
  wal_bytes: number;
  hot_events: number;
  hot_bytes: number;
  sealing_lag_events: number;
  sealing_lag_seconds?: number;
  /** Parts on disk (sent by the server beside the fields above). */
  parts?: number;
  disk_bytes: number;
  disk_cap_bytes: number | null;
  quota_rejected: number;
  quota_sampled_out: number;
  webhook_breaker: 'closed' | 'open' | 'half-open' | 'none' | string;
  problems: string[];
}

export interface DashboardStats {
  start_time: number;
  end_time: number;
  bucket_ms: number;
  series: {
    times: number[];
    levels: Record<string, number[]>;
    decisions: Record<string, number[]>;
  };
  logs: {
    total: number;
    by_level: Record<string, number>;
    top_services: Ranked[];
    error_share: number;
  };
  traffic: {
    total: number;
    decisions: Record<string, number>;
    top_domains: Ranked[];
    top_countries: Ranked[];
    top_reasons: Ranked[];
    unique_ips: number;
  };
  ingest: { events_per_second: number; accepted_total: number };
  health: Health;
}

export interface HistogramAnswer {
  total: number;
  bucket_ms: number;
  series: { time: number; count: number }[];
}

export interface AggregateAnswer {
  buckets: Record<string, unknown>[];
  truncated?: boolean;
}

export interface TableAnswer {
  columns?: string[];
  rows?: Record<string, unknown>[];
  truncated?: boolean;
}

export interface TraceAnswer {
  trace_id: string;
  events: EventJson[];
  truncated: boolean;
}

export interface TrafficSummary {
  granularity: string;
  date: string;
  hour: number | null;
  total_requests: number;
  decisions: Record<string, number>;
  top_countries: { country: string; count: number }[];
  top_reasons: { reason: string; count: number }[];
  unique_ips: number;
  domains: { domain: string; count: number }[];
}

export interface SavedSearch {
  name: string;
  query: string;
}

export interface SavedFormula {
  name: string;
  formula: string;
}

export interface DashboardConfig {
  saved_searches: SavedSearch[];
  pinned_charts: SavedSearch[];
  saved_formulas: SavedFormula[];
  refresh_seconds: number;
}

export interface AuthStatus {
  keys_required: boolean;
  signed_in: boolean;
  scope: 'read' | 'ingest' | 'admin' | null;
}

export interface FormulaValidation {
  valid: boolean;
  position?: number;
  message?: string;
}

export interface FormulaFunctions {
  functions: { name: string; signature: string; description: string }[];
  operators?: unknown[];
}

export interface FormulaExamples {
  examples: { name: string; formula: string; description: string }[];
}

export interface FormulaValue {
  value?: number | null;
  bucket?: string;
  series?: { time: string | number; value: number | null }[];
}

export type PatternTrend = 'new' | 'gone' | 'up' | 'down' | 'steady';

export interface PatternJson {
  id: string;
  pattern: string;
  type: string;
  name?: string;
  frequency: number;
  previous_frequency?: number;
  trend?: PatternTrend;
  change?: number | null;
  first_seen?: string | number;
  last_seen?: string | number;
  services?: string[];
  severity?: string;
  total_frequency?: number;
  example?: string;
}

export interface PatternReport {
  start_time?: string;
  end_time?: string;
  total?: number;
  truncated?: boolean;
  patterns: PatternJson[];
}

export interface MonitorReadingJson {
  start_ms: number;
  end_ms: number;
  status: string;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  deviation?: number | null;
  gap_events?: number | null;
  gap_value?: number | null;
  summary: string;
}

export interface MonitorJson {
  id: string;
  name: string;
  query: string;
  window_minutes: number;
  unit?: string | null;
  status: string;
  status_since_ms?: number;
  reading?: MonitorReadingJson | null;
  history?: { at_ms?: number; from?: string; to?: string }[] | null;
  series?: MonitorReadingJson[] | null;
}

export interface FiringAlert {
  rule_id: string;
  rule_name: string;
  group_key: string;
  started_ms: number;
  value: number | null;
  summary: string;
  notified?: boolean;
  muted?: boolean;
}

export interface AlertHistoryLine {
  at_ms: number;
  rule_id: string;
  rule_name: string;
  group_key: string;
  state: string;
  value: number | null;
  summary: string;
  notification_id?: string | null;
}

export interface AlertRuleJson {
  id: string;
  spec: { name: string; kind: string; [key: string]: unknown };
  created_ms?: number;
  last_evaluated_ms?: number | null;
  muted_until_ms?: number | null;
  last_error?: string | null;
  alerts?: FiringAlert[];
}
