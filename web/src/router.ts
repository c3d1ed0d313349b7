// History: pushState for user actions, replaceState for corrections, popstate to follow Back and Forward,
// and same-origin links handled without a page load.
import { formatLocation, parseLocation, type AppState } from './state';

const APP_PATHS = /^\/(explore|live|traffic|formulas|patterns|alerts|trace\/.+)?\/?$/;

export function currentState(): AppState {
  return parseLocation(location.pathname, location.search);
}

export function startRouter(onChange: (state: AppState) => void): (next: AppState, replace?: boolean) => void {
  window.addEventListener('popstate', () => onChange(currentState()));

  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    const link = (e.target as Element | null)?.closest?.('a');
    if (!link || link.target || link.hasAttribute('download')) {
      return;
    }
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !APP_PATHS.test(url.pathname)) {
      return;
    }
    e.preventDefault();
    navigate(parseLocation(url.pathname, url.search));
  });

  function navigate(next: AppState, replace = false): void {
    const url = formatLocation(next);
    if (url === location.pathname + location.search) {
      history.replaceState(null, '', url);
    } else if (replace) {
      history.replaceState(null, '', url);
    } else {
      history.pushState(null, '', url);
    }
    onChange(parseLocation(location.pathname, location.search));
  }

  return navigate;
}
