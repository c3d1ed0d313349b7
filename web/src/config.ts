// The dashboard's saved state on the server (saved searches, pinned charts, saved formulas, the auto-refresh
// default). The server takes the whole document on every save, so a change is read–modify–write of the latest
// copy.
import { getJson, postJson, type RequestOptions } from './api';
import type { DashboardConfig } from './types';

const PATH = '/api/v1/dashboard/config';

/** A config with every list present, whatever the server left out. */
export function normalizeConfig(raw: Partial<DashboardConfig> | null | undefined): DashboardConfig {
  return {
    saved_searches: Array.isArray(raw?.saved_searches) ? raw!.saved_searches : [],
    pinned_charts: Array.isArray(raw?.pinned_charts) ? raw!.pinned_charts : [],
    saved_formulas: Array.isArray(raw?.saved_formulas) ? raw!.saved_formulas : [],
    refresh_seconds: typeof raw?.refresh_seconds === 'number' ? raw!.refresh_seconds : 0,
  };
}

export async function loadConfig(signal?: AbortSignal, options?: RequestOptions): Promise<DashboardConfig> {
  return normalizeConfig(await getJson<Partial<DashboardConfig>>(PATH, undefined, signal, options));
}

/** Applies a change to the server's latest config and saves it; a 403 (not admin) rejects with its message. */
export async function updateConfig(change: (config: DashboardConfig) => DashboardConfig): Promise<DashboardConfig> {
  const next = change(await loadConfig());
  await postJson<unknown>(PATH, next);
  return next;
}

/** Adds or replaces (by name) an entry of a named list. */
export function upsertByName<T extends { name: string }>(list: T[], entry: T): T[] {
  return [...list.filter((x) => x.name !== entry.name), entry];
}
