// Event rows and the expanded detail (every field, copy as JSON, include/exclude filters, context, trace link),
// shared by Explore, Live tail, Traffic and Trace.
import { isAbort } from './api';
import { errorNotice, levelBadge, loading, timeText } from './components';
import { contextKey, fetchContext } from './context';
import { h, replace } from './dom';
import { filterField } from './query-text';
import type { EventJson } from './types';

export interface Column {
  title: string;
  className?: string;
  cell(ev: EventJson): Node | string;
}

export interface Field {
  /** The key as shown: top-level name, or the attribute's (dotted) name. */
  key: string;
  value: unknown;
  attribute: boolean;
  /** How a filter names it, or null when the language cannot filter on it. */
  filterName: string | null;
}

/** Every field of an event, top level first, then attributes flattened with dots. */
export function eventFields(ev: EventJson): Field[] {
  const fields: Field[] = [];
  for (const [key, value] of Object.entries(ev)) {
    if (key === 'attributes' && value && typeof value === 'object' && !Array.isArray(value)) {
      continue;
    }
    fields.push({ key, value, attribute: false, filterName: filterField(key, false) });
  }
  const walk = (prefix: string, obj: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        walk(path, value as Record<string, unknown>);
      } else {
        fields.push({ key: path, value, attribute: true, filterName: filterField(path, true) });
      }
    }
  };
  if (ev.attributes && typeof ev.attributes === 'object') {
    walk('', ev.attributes as Record<string, unknown>);
  }
  return fields;
}

/** The text a value is filtered by; null for values equality cannot name (null, objects, arrays). */
export function filterValue(value: unknown): string | null {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return null;
}

function displayValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

export const timeColumn: Column = {
  title: 'Time',
  className: 'col-time',
  cell: (ev) => timeText(ev.timestamp),
};

export const LOG_COLUMNS: Column[] = [
  timeColumn,
  { title: 'Level', className: 'col-level', cell: (ev) => levelBadge(ev.level) },
  { title: 'Service', className: 'col-service', cell: (ev) => String(ev.service ?? ev.host ?? '') },
  { title: 'Message', className: 'col-message', cell: (ev) => summaryText(ev) },
];

/** What a row says about an event: its message, or for traffic the request line. */
export function summaryText(ev: EventJson): string {
  if (typeof ev.message === 'string' && ev.message !== '') {
    return ev.message;
  }
  const parts = [ev.decision, ev.method, ev.domain, ev.path, ev.status].filter((p) => p !== undefined && p !== null && p !== '');
  return parts.map(String).join(' ');
}

export interface DetailOptions {
  /** Adds a term to the page's query and runs it; without it no include/exclude buttons are shown. */
  onFilter?: (field: string, value: string, exclude: boolean) => void;
  /** Which fields may be filtered when onFilter is given (default: all the language can name). */
  canFilter?: (field: Field) => boolean;
  /** Link to the trace page, made by the caller so it keeps the range. */
  traceHref?: (traceId: string) => string;
  showContext?: boolean;
}

/** The expanded view of one event. */
export function eventDetail(ev: EventJson, options: DetailOptions): HTMLElement {
  const contextBox = h('div', { class: 'context-box' });
  const copyStatus = h('span', { class: 'muted small', role: 'status' });
  const fallback = h('div', { class: 'copy-fallback' });
  const actions = h('div', { class: 'detail-actions' },
    h('button', { type: 'button', class: 'btn small', 'data-testid': 'copy-json', onclick: () => copyJson(ev, copyStatus, fallback) }, 'Copy JSON'),
    options.showContext && contextKey(ev)
      ? h('button', { type: 'button', class: 'btn small', 'data-testid': 'show-context', onclick: () => showContext(ev, contextBox) }, 'Context')
      : null,
    typeof ev.trace_id === 'string' && ev.trace_id && options.traceHref
      ? h('a', { class: 'btn small', href: options.traceHref(ev.trace_id), 'data-testid': 'view-trace' }, 'View trace')
      : null,
    copyStatus);

  let attributesHeaded = false;
  const rows = eventFields(ev).flatMap((field) => {
    // One heading before the attributes: they are filtered by bare name, or attributes.<name> when shadowed.
    const heading = field.attribute && !attributesHeaded
      ? h('tr', { class: 'fields-section' }, h('th', { colspan: 3, scope: 'rowgroup' }, 'attributes'))
      : null;
    attributesHeaded ||= field.attribute;
    const value = filterValue(field.value);
    const filterable = options.onFilter && field.filterName && value !== null && (options.canFilter?.(field) ?? true);
    const row = h('tr', { 'data-field': field.key, 'data-attribute': field.attribute ? 'true' : null },
      h('th', { scope: 'row', class: field.attribute ? 'attr-key' : '', title: field.filterName ? `Filter as ${field.filterName}` : null }, field.key),
      h('td', { class: 'detail-filter' }, filterable ? [
        h('button', {
          type: 'button', class: 'icon-btn', 'data-testid': 'filter-include',
          title: `Only events where ${field.filterName} is this`, 'aria-label': `Include ${field.filterName}`,
          onclick: () => options.onFilter!(field.filterName!, value!, false),
        }, '+'),
        h('button', {
          type: 'button', class: 'icon-btn', 'data-testid': 'filter-exclude',
          title: `Leave out events where ${field.filterName} is this`, 'aria-label': `Exclude ${field.filterName}`,
          onclick: () => options.onFilter!(field.filterName!, value!, true),
        }, '−'),
      ] : null),
      h('td', { class: 'detail-value' }, displayValue(field.value)));
    return heading ? [heading, row] : [row];
  });

  return h('div', { class: 'event-detail', 'data-testid': 'event-detail', 'data-id': ev.id },
    actions, fallback,
    h('table', { class: 'fields' }, h('tbody', null, rows)),
    contextBox);
}

async function copyJson(ev: EventJson, status: HTMLElement, fallback: HTMLElement): Promise<void> {
  const text = JSON.stringify(ev, null, 2);
  try {
    if (!navigator.clipboard) {
      throw new Error('no clipboard');
    }
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    // Without clipboard access (plain http, denied permission) offer the text selected, ready for Ctrl+C.
    const area = h('textarea', { class: 'copy-area', readonly: true, rows: 8, 'aria-label': 'Event JSON' });
    area.value = text;
    replace(fallback, area);
    area.focus();
    area.select();
    status.textContent = 'Press Ctrl+C (⌘C) to copy.';
  }
}

async function showContext(ev: EventJson, box: HTMLElement): Promise<void> {
  replace(box, loading('Loading the events around it…'));
  try {
    const context = await fetchContext(ev);
    const key = contextKey(ev)!;
    const line = (e: EventJson, current = false): HTMLElement =>
      h('li', { class: current ? 'context-current' : '', 'data-id': e.id },
        timeText(e.timestamp), ' ', levelBadge(e.level), ' ', h('span', { class: 'context-message' }, summaryText(e)));
    replace(box, h('div', { class: 'context', 'data-testid': 'context' },
      h('h4', null, `Around it, same ${key.field} (${key.value})`),
      h('ol', { class: 'context-list' },
        context.before.length === 0 ? h('li', { class: 'muted' }, 'Nothing before.') : null,
        context.before.map((e) => line(e)),
        line(ev, true),
        context.after.map((e) => line(e)),
        context.after.length === 0 ? h('li', { class: 'muted' }, 'Nothing after.') : null)));
  } catch (e) {
    if (!isAbort(e)) {
      replace(box, errorNotice(e, () => void showContext(ev, box)));
    }
  }
}

/** A table of events with click/Enter-to-expand rows; the caller decides what happens on toggle. */
export function eventTable(columns: Column[], testid = 'events'): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const table = h('table', { class: 'events', 'data-testid': testid },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.className ?? '' }, c.title)))),
    body);
  return { table, body };
}

export function eventRow(ev: EventJson, columns: Column[], testid: string, onToggle: (ev: EventJson, row: HTMLTableRowElement) => void): HTMLTableRowElement {
  const row = h('tr', {
    class: 'event-row', 'data-testid': testid, 'data-id': ev.id, tabindex: 0, 'aria-expanded': 'false',
  }, columns.map((c) => h('td', { class: c.className ?? '' }, c.cell(ev))));
  row.addEventListener('click', (e) => {
    // A click on a link inside the row follows the link instead.
    if (!(e.target as HTMLElement).closest('a, button')) {
      onToggle(ev, row);
    }
  });
  row.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target === row) {
      e.preventDefault();
      onToggle(ev, row);
    }
  });
  return row;
}

/** Opens or closes the detail under a row; returns whether it is now open. */
export function toggleDetail(row: HTMLTableRowElement, columns: number, make: () => HTMLElement, open?: boolean): boolean {
  const next = row.nextElementSibling;
  const isOpen = next instanceof HTMLTableRowElement && next.classList.contains('detail-row');
  const want = open ?? !isOpen;
  if (isOpen && !want) {
    next.remove();
  } else if (!isOpen && want) {
    row.after(h('tr', { class: 'detail-row' }, h('td', { colspan: columns }, make())));
  }
  row.setAttribute('aria-expanded', String(want));
  row.classList.toggle('expanded', want);
  return want;
}
