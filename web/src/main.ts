// The shell: theme, sign-in, the top bar, and one page at a time chosen by the route. Pages get the state on
// entry and on every change; auto-refresh asks the page to reload its data on a timer (the URL's interval, else
// the one saved in the dashboard config). The first page's data is asked for beside the session check.
import { ApiError, onUnauthorized } from './api';
import type { App, Page, PageFactory, Session, UpdateReason } from './app';
import { fetchSession, signInView } from './auth';
import { errorNotice, loading } from './components';
import { updateConfig } from './config';
import { h, isTyping, replace } from './dom';
import { startEarly, type EarlyLoads } from './early';
import { createExplore } from './pages/explore';
import { createAlerts } from './pages/alerts';
import { createFormulas } from './pages/formulas';
import { createLive } from './pages/live';
import { createNotFound } from './pages/notfound';
import { createOverview } from './pages/overview';
import { createPatterns } from './pages/patterns';
import { createTrace } from './pages/trace';
import { createTraffic } from './pages/traffic';
import { effectiveRefresh, refreshChoiceParam, refreshMs, refreshSeconds } from './refresh';
import { currentState, startRouter } from './router';
import { withParams, type AppState, type Route } from './state';
import { initTheme } from './theme';
import { createTopBar } from './topbar';

const PAGES: Record<Route, PageFactory> = {
  overview: createOverview,
  explore: createExplore,
  live: createLive,
  traffic: createTraffic,
  formulas: createFormulas,
  patterns: createPatterns,
  alerts: createAlerts,
  trace: createTrace,
  notfound: createNotFound,
};

const TITLES: Record<Route, string> = {
  overview: 'Overview', explore: 'Explore', live: 'Live tail', traffic: 'Traffic', formulas: 'Formulas', patterns: 'Patterns', alerts: 'Alerts', trace: 'Trace', notfound: 'Not found',
};

const root = document.getElementById('app')!;
let rerender: ((reason: UpdateReason) => void) | null = null;
let showingSignIn = false;

function showSignIn(reason?: string): void {
  if (showingSignIn) {
    return;
  }
  showingSignIn = true;
  rerender = null;
  shell?.dispose();
  shell = null;
  delete document.body.dataset.ready;
  signInView(root, () => {
    showingSignIn = false;
    void start();
  }, reason);
  document.body.dataset.ready = 'signin';
}

onUnauthorized((error: ApiError) => showSignIn(error.code === 'invalid_api_key'
  ? 'That key is not (or no longer) valid here. Sign in again.'
  : 'Your session has ended. Sign in again.'));

initTheme(() => rerender?.('theme'));

let shell: { dispose(): void } | null = null;
// One router for the page's life; it hands route changes to whichever shell is mounted.
let onRoute: ((next: AppState) => void) | null = null;
const navigate = startRouter((next) => onRoute?.(next));

async function start(): Promise<void> {
  replace(root, loading('Connecting to Sluice…'));
  // Not after the session check: both round trips at once (the page takes them, or they are dropped below).
  const early = startEarly(currentState(), Date.now());
  let session: Session;
  try {
    session = await fetchSession();
  } catch (e) {
    early.discard();
    if (!(e instanceof ApiError && e.unauthorized)) {
      replace(root, h('main', { class: 'page' }, errorNotice(e, () => void start())));
    }
    return;
  }
  if (session.keys_required && !session.signed_in) {
    early.discard();
    showSignIn();
    return;
  }
  shell = mountShell(session, early);
}

function mountShell(session: Session, early: EarlyLoads): { dispose(): void } {
  let state = currentState();
  let current: { key: string; page: Page } | null = null;
  let refreshTimer = 0;
  let refreshEvery = 0;
  // The saved auto-refresh default (refresh_seconds), in force when the URL has no refresh parameter.
  let savedRefresh = 0;
  let refreshPicked = false;
  let disposed = false;
  const refreshInForce = (): string => effectiveRefresh(state.params.refresh, savedRefresh);
  const main = h('main', { class: 'page', id: 'main' });

  const app: App = {
    get state() {
      return state;
    },
    session,
    navigate: (next, options) => navigate(next, options?.replace),
    setParams: (patch, options) => navigate(withParams(state, patch), options?.replace),
    ready(page) {
      document.body.dataset.ready = page;
      performance.mark('sluice-drawn');
    },
    loading() {
      delete document.body.dataset.ready;
    },
    requireSignIn: () => showSignIn(),
    takeFirstLoad: (s) => early.takeFirstLoad(s),
  };

  // A pick goes in the URL; a session that may change settings also saves it as the default (read–modify–write).
  const pickRefresh = (value: string): void => {
    refreshPicked = true;
    app.setParams({ refresh: refreshChoiceParam(value, savedRefresh) });
    if (session.canAdmin) {
      const seconds = refreshSeconds(value);
      updateConfig((c) => ({ ...c, refresh_seconds: seconds }))
        .then(() => {
          savedRefresh = seconds;
        })
        .catch(() => undefined); // not saved: the pick still holds in this URL
    }
  };

  const topBar = createTopBar(app, () => rerender?.('theme'), pickRefresh);
  replace(root,
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    topBar.element,
    main);

  function render(next: AppState, reason: UpdateReason): void {
    state = next;
    topBar.update(state, refreshInForce());
    document.title = `${TITLES[state.route]} · Sluice`;
    const key = `${state.route}\n${state.traceId}`;
    if (!current || current.key !== key) {
      current?.page.dispose();
      replace(main);
      const container = h('div', { class: `page-${state.route}` });
      main.appendChild(container);
      current = { key, page: PAGES[state.route](app, container) };
      current.page.update(state, 'enter');
    } else {
      current.page.update(state, reason);
    }
    scheduleRefresh();
  }

  function scheduleRefresh(): void {
    const every = refreshMs(refreshInForce());
    if (every === refreshEvery) {
      return;
    }
    window.clearInterval(refreshTimer);
    refreshEvery = every;
    if (every > 0) {
      refreshTimer = window.setInterval(() => {
        // A hidden tab need not poll; it catches up when shown again.
        if (!document.hidden) {
          current?.page.update(state, 'refresh');
        }
      }, every);
    }
  }

  onRoute = (next) => render(next, 'change');
  rerender = (reason) => current?.page.update(state, reason);

  const onKey = (e: KeyboardEvent): void => {
    // "/" jumps to the query box, as in most log tools, unless the user is already typing somewhere.
    if (e.key === '/' && !isTyping(e) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const box = document.querySelector<HTMLInputElement>('[data-testid="query-input"], [data-testid="formula-input"]');
      if (box) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    }
  };
  document.addEventListener('keydown', onKey);

  const savedConfig = early.config();
  render(state, 'enter');
  early.discard(); // what the first page did not take
  // The saved default arrives after the first render; a pick made meanwhile wins over it.
  savedConfig.then((config) => {
    if (!disposed && !refreshPicked) {
      savedRefresh = config.refresh_seconds;
      topBar.update(state, refreshInForce());
      scheduleRefresh();
    }
  }).catch(() => undefined); // no saved default: the URL alone decides
  return {
    dispose() {
      disposed = true;
      onRoute = null;
      window.clearInterval(refreshTimer);
      document.removeEventListener('keydown', onKey);
      current?.page.dispose();
      current = null;
    },
  };
}

void start();
