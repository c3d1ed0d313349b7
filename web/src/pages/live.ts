// Live tail: a WebSocket streams matching events as they arrive. Rows go in newest first and at most 1,000
// stay in the page; pausing holds up to 1,000 more, and whatever does not fit is counted as skipped, as the
// server counts what it drops for a slow subscriber.
import { ApiError, getJson } from '../api';
import type { App, Page, PageFactory } from '../app';
import { errorNotice, notice } from '../components';
import { h, replace } from '../dom';
import { eventDetail, eventRow, eventTable, LOG_COLUMNS, toggleDetail } from '../events-view';
import { formatInteger, formatRate } from '../format';
import { createQueryBox } from '../query-box';
import { addFilterTerm } from '../query-text';
import { parseTailMessage, tailUrl } from '../live-protocol';
import { linkTo } from '../state';
import { backoffDelay, BoundedQueue, RateMeter } from '../tail-buffer';
import type { AuthStatus, EventJson } from '../types';

export const MAX_ROWS = 1000;
const FLUSH_MS = 100;

export const createLive: PageFactory = (app: App, root: HTMLElement): Page => {
  let socket: WebSocket | null = null;
  let query: string | null = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let flushTimer = 0;
  let stopped = false;
  let disposed = false;
  let paused = false;
  let skipped = 0;
  let rowCount = 0;
  const pending = new BoundedQueue<EventJson>(MAX_ROWS);
  const held = new BoundedQueue<EventJson>(MAX_ROWS);
  const meter = new RateMeter(5000);

  const status = h('span', { class: 'tail-status', 'data-testid': 'tail-status', role: 'status' }, 'Connecting…');
  const rate = h('span', { class: 'tail-stat', 'data-testid': 'tail-rate', 'data-value': '0', title: 'Events per second over the last 5 seconds' }, '0/s');
  const skippedEl = h('span', { class: 'tail-stat', 'data-testid': 'tail-skipped', 'data-value': '0', hidden: true });
  const heldEl = h('span', { class: 'tail-stat', 'data-testid': 'tail-held', 'data-value': '0', hidden: true });
  const pause = h('button', { type: 'button', class: 'btn', 'data-testid': 'tail-pause', 'aria-pressed': 'false', onclick: () => setPaused(!paused) }, 'Pause');
  const clear = h('button', { type: 'button', class: 'btn', 'data-testid': 'tail-clear', onclick: () => { replace(body); rowCount = 0; showEmpty(); } }, 'Clear');
  const box = createQueryBox('Filter the stream, e.g. level:>=warn service:api', (text) => {
    if (text === (app.state.params.q ?? '')) {
      connect(text, true);
    } else {
      app.setParams({ q: text });
    }
  }, [pause, clear]);
  const { table, body } = eventTable(LOG_COLUMNS, 'tail');
  const emptyArea = h('div');
  const messageArea = h('div');

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Live tail'), status),
    box.form,
    box.errorArea,
    messageArea,
    h('div', { class: 'tail-stats' }, rate, skippedEl, heldEl),
    emptyArea,
    table);

  const rateTimer = window.setInterval(showRate, 1000);

  function showRate(): void {
    const perSecond = meter.rate(Date.now());
    rate.textContent = formatRate(perSecond);
    rate.dataset.value = String(perSecond);
  }

  function showCounts(): void {
    skippedEl.hidden = skipped === 0;
    skippedEl.dataset.value = String(skipped);
    skippedEl.textContent = `${formatInteger(skipped)} ${skipped === 1 ? 'event' : 'events'} skipped`;
    skippedEl.title = 'Dropped because they came faster than this page could take them (by the server, or while paused and full)';
    heldEl.hidden = !paused;
    heldEl.dataset.value = String(held.size);
    heldEl.textContent = `${formatInteger(held.size)} held while paused`;
  }

  function showEmpty(): void {
    replace(emptyArea, rowCount === 0
      ? notice('empty', `Waiting for events${query ? ' that match the query' : ''}… They appear here as they arrive.`)
      : null);
  }

  function setPaused(next: boolean): void {
    paused = next;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      // What the full queue let go was counted as skipped as it happened.
      held.drain().items.forEach((ev) => enqueue(ev));
    }
    showStatus();
    showCounts();
  }

  function showStatus(text?: string): void {
    status.textContent = text ?? (paused ? 'Paused' : socket?.readyState === WebSocket.OPEN ? 'Live' : 'Connecting…');
    status.dataset.state = paused ? 'paused' : socket?.readyState === WebSocket.OPEN ? 'live' : 'waiting';
  }

  function enqueue(ev: EventJson): void {
    const before = pending.droppedCount;
    pending.push(ev);
    skipped += pending.droppedCount - before;
    if (!flushTimer) {
      flushTimer = window.setTimeout(flush, FLUSH_MS);
    }
  }

  /** Puts the waiting events in at the top in one go (many per frame at high rates), then trims the bottom. */
  function flush(): void {
    flushTimer = 0;
    const { items } = pending.drain();
    if (items.length === 0) {
      return;
    }
    const fragment = document.createDocumentFragment();
    for (let i = items.length - 1; i >= 0; i--) {
      fragment.appendChild(eventRow(items[i], LOG_COLUMNS, 'tail-row', toggle));
    }
    body.insertBefore(fragment, body.firstChild);
    rowCount += items.length;
    while (rowCount > MAX_ROWS && body.lastElementChild) {
      const last = body.lastElementChild;
      if (!last.classList.contains('detail-row')) {
        rowCount--;
      }
      last.remove();
    }
    showEmpty();
    showCounts();
  }

  const toggle = (ev: EventJson, row: HTMLTableRowElement): void => {
    toggleDetail(row, LOG_COLUMNS.length, () => eventDetail(ev, {
      onFilter: (field, value, exclude) => app.setParams({ q: addFilterTerm(app.state.params.q ?? '', field, value, exclude) }),
      showContext: true,
      traceHref: (id) => linkTo(app.state, 'trace', {}, id),
    }));
  };

  function onMessage(data: unknown): void {
    const message = parseTailMessage(data);
    if (message === null) {
      return;
    }
    if (message.type === 'events') {
      meter.record(message.events.length, Date.now());
      for (const ev of message.events) {
        if (paused) {
          const before = held.droppedCount;
          held.push(ev);
          skipped += held.droppedCount - before;
        } else {
          enqueue(ev);
        }
      }
      if (paused) {
        showCounts();
      }
    } else if (message.type === 'skipped') {
      skipped += message.count;
      showCounts();
    } else {
      const error = new ApiError(400, message.code, message.message, undefined, message.position);
      if (box.showError(error, query ?? '')) {
        // A bad query stays bad: wait for the user to change it rather than reconnect in a loop.
        stopped = true;
        showStatus('Stopped');
      } else {
        // Anything else (the server is full, say) is retried with backoff when the socket closes.
        replace(messageArea, errorNotice(error));
      }
      app.ready('live');
    }
  }

  function connect(q: string, force = false): void {
    if (!force && q === query && socket) {
      return;
    }
    if (q !== query) {
      replace(body);
      rowCount = 0;
      skipped = 0;
      held.drain();
      pending.drain();
    }
    query = q;
    stopped = false;
    attempt = 0;
    box.clearError();
    replace(messageArea);
    open();
    showEmpty();
    showCounts();
  }

  function open(): void {
    window.clearTimeout(reconnectTimer);
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    const ws = new WebSocket(tailUrl(location, query ?? ''));
    socket = ws;
    showStatus('Connecting…');
    ws.onopen = () => {
      attempt = 0;
      replace(messageArea);
      showStatus();
      app.ready('live');
    };
    ws.onmessage = (e) => onMessage(e.data);
    ws.onclose = () => {
      if (socket !== ws || disposed) {
        return;
      }
      socket = null;
      if (stopped) {
        return;
      }
      void afterClose();
    };
  }

  /** A closed socket may mean a lapsed sign-in (the upgrade's 401 is not visible to the page): ask, then retry. */
  async function afterClose(): Promise<void> {
    try {
      const auth = await getJson<AuthStatus>('/api/v1/auth/status');
      if (auth.keys_required && !auth.signed_in) {
        app.requireSignIn();
        return;
      }
    } catch {
      // the server may be down; keep retrying below
    }
    if (disposed || socket) {
      return;
    }
    const delay = backoffDelay(attempt++);
    showStatus(`Disconnected — reconnecting in ${Math.ceil(delay / 1000)} s`);
    status.dataset.state = 'reconnecting';
    reconnectTimer = window.setTimeout(() => {
      if (!disposed && !socket) {
        open();
      }
    }, delay);
  }

  return {
    update(state, reason) {
      if (reason !== 'refresh' || document.activeElement !== box.input) {
        box.setValue(state.params.q ?? '');
      }
      if (reason === 'enter') {
        app.loading();
      }
      connect(state.params.q ?? '');
    },
    dispose() {
      disposed = true;
      window.clearTimeout(reconnectTimer);
      window.clearTimeout(flushTimer);
      window.clearInterval(rateTimer);
      if (socket) {
        socket.onclose = null;
        socket.close();
      }
    },
  };
};
