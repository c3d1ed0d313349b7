// Explore: a query over a time range gives a histogram (drag to zoom), the matching events newest first with
// paging, field facets (on any field), and an expandable detail per event. The URL holds q, the range, facet and
// event.
import { ApiError, getJson, isAbort, postJson } from '../api';
import { DEFAULT_FACET, facetField, facetFilterable, facetSuggestions, topValues } from '../aggregate';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { histogram, type Chart } from '../charts';
import { curlExample, errorNotice, loading, notice } from '../components';
import { loadConfig, updateConfig, upsertByName } from '../config';
import { h, replace } from '../dom';
import { eventDetail, eventRow, eventTable, LOG_COLUMNS, toggleDetail } from '../events-view';
import { formatInteger, formatNumber } from '../format';
import { createQueryBox } from '../query-box';
import { addFilterTerm, filterTerm, isFieldName } from '../query-text';
import { fixedRangeParams, resolveRange, type TimeRange } from '../range';
import { linkTo, type AppState } from '../state';
import { cssVar } from '../theme';
import type { AggregateAnswer, EventJson, HistogramAnswer, SavedSearch, SearchAnswer } from '../types';

/** Suggested in the facet picker; any field name can be typed there. */
export const FACET_FIELDS = ['level', 'service', 'host', 'domain', 'decision', 'country', 'kind', 'system', 'category', 'method', 'status', 'path', 'reason'];
const PAGE_SIZE = 100;
const FACET_TOP = 10;

export const createExplore: PageFactory = (app: App, root: HTMLElement): Page => {
  let chart: Chart | null = null;
  let controller: AbortController | null = null;
  let facetController: AbortController | null = null;
  let dataKey = '';
  let facetKey = '';
  let range: TimeRange = resolveRange({}, Date.now());
  let cursor: string | null = null;
  let loadingMore = false;
  const shown = new Map<string, { ev: EventJson; row: HTMLTableRowElement }>();

  const box = createQueryBox('level:error service:api "timeout" — press / to focus', (text) => {
    if (text === (app.state.params.q ?? '')) {
      void run(app.state, 'change');
    } else {
      app.setParams({ q: text, event: null });
    }
  });

  // Saved searches and pins (changing them needs an admin key).
  const saved = h('select', { 'data-testid': 'saved-searches', 'aria-label': 'Saved searches' }, h('option', { value: '' }, 'Saved searches…'));
  let savedList: SavedSearch[] = [];
  saved.addEventListener('change', () => {
    const pick = savedList.find((s) => s.name === saved.value);
    saved.value = '';
    if (pick) {
      app.setParams({ q: pick.query, event: null });
    }
  });
  const configMessage = h('span', { class: 'muted small', role: 'status', 'data-testid': 'config-message' });
  const nameInput = h('input', { type: 'text', 'data-testid': 'save-search-name', 'aria-label': 'Name', placeholder: 'Name' });
  let saveMode: 'search' | 'pin' = 'search';
  const saveConfirm = h('button', { type: 'submit', class: 'btn small primary', 'data-testid': 'save-search-confirm' }, 'Save');
  const saveForm = h('form', { class: 'inline-form', hidden: true, 'data-testid': 'save-search-form' },
    nameInput, saveConfirm,
    h('button', { type: 'button', class: 'btn small', onclick: () => { saveForm.hidden = true; } }, 'Cancel'));
  saveForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void saveCurrent(saveMode, nameInput.value.trim());
  });
  const openSave = (mode: 'search' | 'pin'): void => {
    saveMode = mode;
    saveConfirm.textContent = mode === 'pin' ? 'Pin to Overview' : 'Save search';
    nameInput.value = app.state.params.q ?? '';
    saveForm.hidden = false;
    nameInput.focus();
    nameInput.select();
  };
  const adminButtons = app.session.canAdmin ? [
    h('button', { type: 'button', class: 'btn', 'data-testid': 'save-search', onclick: () => openSave('search') }, 'Save search'),
    h('button', { type: 'button', class: 'btn', 'data-testid': 'pin-chart', onclick: () => openSave('pin') }, 'Pin chart'),
  ] : [];

  const matchCount = h('span', { class: 'match-count', 'data-testid': 'match-count', 'data-value': '' });
  const histBox = h('div', { class: 'chart', 'data-testid': 'histogram' });
  const histArea = h('div', { class: 'hist-area' }, histBox);
  // The facet picker: a text input that suggests the known fields and those of the events shown, and takes any name.
  const facetOptions = h('datalist', { id: 'facet-fields' });
  const facetError = h('p', { class: 'field-error small', id: 'facet-field-error', role: 'alert', hidden: true });
  const facetInput = h('input', {
    type: 'text', list: 'facet-fields', 'data-testid': 'facet-field', 'aria-label': 'Field', 'aria-describedby': 'facet-field-error',
    placeholder: 'Field, e.g. service', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off',
  });
  const facetForm = h('form', { class: 'facet-form', role: 'search', 'aria-label': 'Facet field' }, facetInput, facetOptions, facetError);
  const chooseFacet = (): void => {
    const name = facetInput.value.trim();
    const valid = isFieldName(name);
    facetInput.setAttribute('aria-invalid', String(!valid));
    facetError.hidden = valid;
    facetError.textContent = valid ? '' : name
      ? `"${name}" is not a field name: letters, digits and _ . @ -, starting with a letter, _ or @.`
      : 'Name a field.';
    if (valid) {
      facetInput.value = name;
      app.setParams({ facet: name === DEFAULT_FACET ? null : name }, { replace: true });
    }
  };
  facetForm.addEventListener('submit', (e) => {
    e.preventDefault();
    chooseFacet();
  });
  facetInput.addEventListener('change', chooseFacet);
  // A suggestion picked from the list applies at once; typed text waits for Enter or leaving the field.
  facetInput.addEventListener('input', (e) => {
    if (!(e instanceof InputEvent) || e.inputType === 'insertReplacementText') {
      chooseFacet();
    }
  });
  let suggested = '';
  const fillSuggestions = (): void => {
    const names = facetSuggestions(FACET_FIELDS, [...shown.values()].map((s) => s.ev));
    const key = names.join('\n');
    if (key !== suggested) {
      suggested = key;
      replace(facetOptions, names.map((name) => h('option', { value: name })));
    }
  };
  fillSuggestions();
  const facetList = h('div', { class: 'facet-list' });
  const selectedArea = h('div', { class: 'selected-area' });
  const { table, body } = eventTable(LOG_COLUMNS, 'events');
  const resultsNotice = h('div');
  const loadMore = h('button', { type: 'button', class: 'btn', 'data-testid': 'load-more', hidden: true, onclick: () => void more() }, 'Load more');

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Explore')),
    h('div', { class: 'query-row' }, box.form, saved, ...adminButtons),
    h('div', { class: 'query-row' }, saveForm, configMessage),
    box.errorArea,
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, 'Matches over time'), matchCount,
      h('span', { class: 'muted small' }, 'Drag across the chart to zoom in.')), histArea),
    h('div', { class: 'explore-body' },
      h('aside', { class: 'panel facets', 'data-testid': 'facets', 'aria-label': 'Field values' },
        h('h2', null, 'Top values'), facetForm, facetList),
      h('section', { class: 'results' }, selectedArea, resultsNotice, table, loadMore)));

  // Load further pages as the button scrolls into view; the button stays for keyboard users.
  const observer = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !loadMore.hidden) {
      void more();
    }
  });
  observer?.observe(loadMore);

  const onFilter = (field: string, value: string, exclude: boolean): void => {
    app.setParams({ q: addFilterTerm(app.state.params.q ?? '', field, value, exclude), event: null });
  };
  const detail = (ev: EventJson): HTMLElement => eventDetail(ev, {
    onFilter,
    showContext: true,
    traceHref: (id) => linkTo(app.state, 'trace', {}, id),
  });

  const toggle = (ev: EventJson): void => {
    app.setParams({ event: app.state.params.event === ev.id ? null : ev.id });
  };

  async function run(state: AppState, reason: UpdateReason): Promise<void> {
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    const q = state.params.q ?? '';
    range = resolveRange(state.params, Date.now());
    const visible = reason !== 'refresh';
    if (visible) {
      app.loading();
      box.clearError();
      replace(resultsNotice, loading('Searching…'));
      replace(body);
      shown.clear();
      loadMore.hidden = true;
    }
    const params = { query: q || null, start_time: range.start, end_time: range.end };
    const results = Promise.all([
      postJson<HistogramAnswer>('/api/v1/dashboard/query', { query: q, start_time: range.start, end_time: range.end }, abort.signal),
      getJson<SearchAnswer>('/api/logs/search', { ...params, limit: PAGE_SIZE }, abort.signal),
    ]);
    const facets = loadFacets(state, true);
    try {
      const [hist, page] = await results;
      if (abort.signal.aborted) {
        return;
      }
      box.clearError();
      drawHistogram(hist);
      replace(body);
      shown.clear();
      cursor = page.next_cursor;
      appendEvents(page.events);
      replace(resultsNotice, page.events.length === 0
        ? notice('empty', q
          ? 'No events match in this range — widen the range or loosen the query.'
          : 'No events in this range — widen the range or send some:', ...(q ? [] : [curlExample(app.session.keys_required)]))
        : null);
      loadMore.hidden = !cursor;
      table.hidden = page.events.length === 0;
      await syncSelected(state);
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      if (!visible) {
        return; // a failed background refresh keeps the last answer on screen
      }
      chart?.destroy();
      chart = null;
      replace(histArea, histBox);
      matchCount.textContent = '';
      matchCount.dataset.value = '';
      table.hidden = true;
      if (box.showError(e, q)) {
        replace(resultsNotice, notice('error', 'Fix the query above, then run it again.'));
      } else {
        replace(resultsNotice, errorNotice(e, () => void run(app.state, 'change')));
      }
    }
    await facets;
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('explore');
    }
  }

  function drawHistogram(hist: HistogramAnswer): void {
    chart?.destroy();
    replace(histArea, histBox);
    matchCount.textContent = `${formatNumber(hist.total)} ${hist.total === 1 ? 'match' : 'matches'}`;
    matchCount.title = formatInteger(hist.total);
    matchCount.dataset.value = String(hist.total);
    chart = histogram(histBox, hist.series.map((p) => p.time), hist.series.map((p) => p.count), cssVar('--accent', '#3b82f6'), {
      bucketMs: hist.bucket_ms,
      height: 140,
      onSelect: (start, end) => app.setParams({ ...fixedRangeParams(start, end), event: null }),
    });
  }

  function appendEvents(events: EventJson[]): void {
    for (const ev of events) {
      if (shown.has(ev.id)) {
        continue;
      }
      const row = eventRow(ev, LOG_COLUMNS, 'event-row', toggle);
      body.appendChild(row);
      shown.set(ev.id, { ev, row });
    }
    fillSuggestions();
  }

  async function more(): Promise<void> {
    if (loadingMore || !cursor) {
      return;
    }
    loadingMore = true;
    loadMore.disabled = true;
    loadMore.textContent = 'Loading…';
    const signal = controller?.signal;
    try {
      const q = app.state.params.q ?? '';
      const page = await getJson<SearchAnswer>('/api/logs/search', {
        query: q || null, start_time: range.start, end_time: range.end, limit: PAGE_SIZE, cursor,
      }, signal);
      cursor = page.next_cursor;
      appendEvents(page.events);
      loadMore.hidden = !cursor;
    } catch (e) {
      if (!isAbort(e)) {
        replace(resultsNotice, errorNotice(e, () => void more()));
      }
    } finally {
      loadingMore = false;
      loadMore.disabled = false;
      loadMore.textContent = 'Load more';
    }
  }

  /** Opens the event named by the URL: its row when it is listed, otherwise fetched on its own above the list. */
  async function syncSelected(state: AppState): Promise<void> {
    const id = state.params.event;
    for (const [eventId, { ev, row }] of shown) {
      toggleDetail(row, LOG_COLUMNS.length, () => detail(ev), eventId === id);
    }
    if (!id || shown.has(id)) {
      delete selectedArea.dataset.id;
      replace(selectedArea);
      return;
    }
    if (selectedArea.dataset.id === id) {
      return;
    }
    selectedArea.dataset.id = id;
    replace(selectedArea, loading('Loading the selected event…'));
    try {
      const ev = await getJson<EventJson>(`/api/logs/${encodeURIComponent(id)}`);
      if (app.state.params.event === id) {
        replace(selectedArea, h('section', { class: 'panel' },
          h('div', { class: 'panel-head' }, h('h2', null, 'Selected event'),
            h('button', { type: 'button', class: 'btn small', onclick: () => app.setParams({ event: null }) }, 'Close')),
          detail(ev)));
      }
    } catch (e) {
      replace(selectedArea, errorNotice(e));
    }
  }

  async function loadFacets(state: AppState, force: boolean): Promise<void> {
    const field = facetField(state.params.facet);
    const key = JSON.stringify([field, state.params.q ?? '', range.start, range.end]);
    if (!force && key === facetKey) {
      return;
    }
    facetKey = key;
    // Show the field in force, unless the user is typing another one.
    if (document.activeElement !== facetInput) {
      facetInput.value = field;
      facetInput.removeAttribute('aria-invalid');
      facetError.hidden = true;
    }
    facetController?.abort();
    const abort = new AbortController();
    facetController = abort;
    const q = state.params.q ?? '';
    try {
      const answer = await getJson<AggregateAnswer>('/api/logs/aggregate', {
        group_by: field, query: q || null, start_time: range.start, end_time: range.end,
      }, abort.signal);
      const values = topValues(answer, field, FACET_TOP);
      const total = values.reduce((s, v) => s + v.count, 0);
      replace(facetList, values.length === 0
        ? h('p', { class: 'muted small' }, `No ${field} values here.`)
        : h('ul', { class: 'facet-values' }, values.map((v) => h('li', null,
          v.value === null
            ? h('span', { class: 'facet-none', title: `Events without ${field}` }, '(none)')
            : !facetFilterable(field)
            ? h('span', { class: 'facet-text' }, v.value)
            : h('button', {
              type: 'button', class: 'facet-value', 'data-testid': 'facet-value', 'data-value': v.value,
              title: `Add ${filterTerm(field, v.value)} to the query`,
              onclick: () => app.setParams({ q: addFilterTerm(app.state.params.q ?? '', field, v.value!, false), event: null }),
            }, v.value === '' ? '(empty)' : v.value),
          h('span', { class: 'facet-count', title: formatInteger(v.count) },
            `${formatNumber(v.count)}${total > 0 ? ` · ${Math.round((v.count / total) * 100)}%` : ''}`)))));
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      // An invalid query is already shown at the query box.
      replace(facetList, e instanceof ApiError && e.code === 'invalid_query' ? null : errorNotice(e));
    }
  }

  async function saveCurrent(mode: 'search' | 'pin', name: string): Promise<void> {
    const query = app.state.params.q ?? '';
    if (!query) {
      configMessage.textContent = 'Write a query first: an empty query cannot be saved.';
      return;
    }
    const entry = { name: name || query, query };
    configMessage.textContent = 'Saving…';
    try {
      const config = await updateConfig((c) => mode === 'pin'
        ? { ...c, pinned_charts: upsertByName(c.pinned_charts, entry) }
        : { ...c, saved_searches: upsertByName(c.saved_searches, entry) });
      fillSaved(config.saved_searches);
      saveForm.hidden = true;
      configMessage.textContent = mode === 'pin' ? `Pinned "${entry.name}" to the Overview.` : `Saved "${entry.name}".`;
    } catch (e) {
      configMessage.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  function fillSaved(list: SavedSearch[]): void {
    savedList = list;
    replace(saved, h('option', { value: '' }, list.length ? 'Saved searches…' : 'No saved searches'),
      list.map((s) => h('option', { value: s.name, title: s.query }, s.name)));
  }

  return {
    update(state, reason) {
      // A background refresh must not overwrite what the user is typing.
      if (reason !== 'refresh' || document.activeElement !== box.input) {
        box.setValue(state.params.q ?? '');
      }
      if (reason === 'enter') {
        loadConfig().then((c) => fillSaved(c.saved_searches)).catch(() => fillSaved([]));
      }
      const key = JSON.stringify([state.params.q ?? '', state.params.range, state.params.from, state.params.to]);
      if (reason === 'enter' || reason === 'refresh' || key !== dataKey) {
        dataKey = key;
        void run(state, reason === 'refresh' ? 'refresh' : 'change');
        return;
      }
      if (reason === 'theme' && chart) {
        void run(state, 'refresh');
        return;
      }
      void loadFacets(state, false);
      void syncSelected(state);
    },
    dispose() {
      controller?.abort();
      facetController?.abort();
      observer?.disconnect();
      chart?.destroy();
    },
  };
};
