// Trace: every event of one trace on a timeline, each placed by its offset from the first and expandable.
import { getJson, isAbort } from '../api';
import { afterDraw, type App, type Page, type PageFactory } from '../app';
import { errorNotice, levelBadge, loading, notice, timeText } from '../components';
import { h, replace } from '../dom';
import { eventDetail, summaryText } from '../events-view';
import { formatDuration, formatOffset } from '../format';
import { addFilterTerm, filterTerm } from '../query-text';
import { fixedRangeParams } from '../range';
import { linkTo, type AppState } from '../state';
import { timelinePositions } from '../timeline';
import type { EventJson, TraceAnswer } from '../types';

/** Explore on this trace's id, over a window around its events (the current range may not hold them). */
function exploreLink(state: AppState, traceId: string, events: EventJson[]): string {
  const q = filterTerm('trace_id', traceId);
  if (events.length === 0) {
    return linkTo(state, 'explore', { q });
  }
  const window = fixedRangeParams(events[0].timestamp - 60_000, events[events.length - 1].timestamp + 60_001);
  return linkTo({ ...state, params: {} }, 'explore', { q, from: window.from!, to: window.to! });
}

export const createTrace: PageFactory = (app: App, root: HTMLElement): Page => {
  let controller: AbortController | null = null;
  let shownId = '';

  async function load(state: AppState, force: boolean): Promise<void> {
    if (!force && state.traceId === shownId) {
      return;
    }
    shownId = state.traceId;
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    app.loading();
    replace(root, h('div', { class: 'page-head' }, h('h1', null, 'Trace'), h('code', { class: 'trace-id' }, state.traceId)), loading('Loading the trace…'));
    try {
      const trace = await getJson<TraceAnswer>(`/api/traces/${encodeURIComponent(state.traceId)}`, undefined, abort.signal);
      draw(state, trace);
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      root.lastElementChild?.replaceWith(errorNotice(e, () => void load(app.state, true)));
    }
    await afterDraw();
    if (!abort.signal.aborted) {
      app.ready('trace');
    }
  }

  function draw(state: AppState, trace: TraceAnswer): void {
    const events = [...trace.events].sort((a, b) => a.timestamp - b.timestamp);
    const positions = timelinePositions(events);
    const span = positions.length ? positions[positions.length - 1].offset : 0;
    const services = new Set(events.map((e) => e.service).filter(Boolean));
    const list = h('div', { class: 'timeline', 'data-testid': 'trace-timeline', role: 'list' });
    events.forEach((ev, i) => {
      const marker = h('span', { class: `tl-marker level-bg-${(ev.level ?? '').replace(/[^a-z]/g, '')}` });
      // Placed from JS (el.style): the CSP refuses style attributes in markup. The bar runs to the next event.
      const next = i + 1 < positions.length ? positions[i + 1].share : positions[i].share;
      const width = Math.max((next - positions[i].share) * 100, 0.6);
      marker.style.left = `${Math.min(positions[i].share * 100, 100 - width)}%`;
      marker.style.width = `${width}%`;
      const row = h('div', {
        class: 'tl-row', role: 'listitem', 'data-testid': 'trace-event', 'data-id': ev.id, tabindex: 0, 'aria-expanded': 'false',
      },
      h('span', { class: 'tl-offset', 'data-value': String(positions[i].offset) }, formatOffset(positions[i].offset)),
      h('span', { class: 'tl-service' }, String(ev.service ?? ev.host ?? '')),
      levelBadge(ev.level),
      h('span', { class: 'tl-track' }, marker),
      h('span', { class: 'tl-message' }, summaryText(ev)));
      const detailBox = h('div', { class: 'tl-detail', hidden: true });
      const toggle = (): void => {
        const open = detailBox.hidden;
        if (open && !detailBox.firstChild) {
          detailBox.appendChild(eventDetail(ev, {
            onFilter: (field, value, exclude) => app.navigate({
              route: 'explore', traceId: '',
              params: { ...state.params, q: addFilterTerm('', field, value, exclude) },
            }),
            showContext: true,
          }));
        }
        detailBox.hidden = !open;
        row.setAttribute('aria-expanded', String(open));
      };
      row.addEventListener('click', (e) => {
        if (!(e.target as HTMLElement).closest('a, button')) {
          toggle();
        }
      });
      row.addEventListener('keydown', (e) => {
        if ((e.key === 'Enter' || e.key === ' ') && e.target === row) {
          e.preventDefault();
          toggle();
        }
      });
      list.append(row, detailBox);
    });
    replace(root,
      h('div', { class: 'page-head' }, h('h1', null, 'Trace'), h('code', { class: 'trace-id' }, trace.trace_id)),
      h('p', { class: 'muted' },
        `${events.length} ${events.length === 1 ? 'event' : 'events'} over ${formatDuration(span)}`,
        services.size ? ` across ${[...services].join(', ')}` : '',
        events.length ? [' · starts ', timeText(events[0].timestamp)] : null,
        ' · ', h('a', { href: exploreLink(state, trace.trace_id, events) }, 'Open in Explore')),
      trace.truncated ? notice('empty', 'This trace has more events than one answer holds; the first ones are shown.') : null,
      events.length === 0 ? notice('empty', 'This trace has no events.') : list);
  }

  return {
    update(state, reason) {
      void load(state, reason === 'refresh');
    },
    dispose() {
      controller?.abort();
    },
  };
};
