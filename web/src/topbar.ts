// The bar on every page: navigation, the time range, auto-refresh, theme and sign-out. Built once and updated
// in place on every state change, so keyboard focus stays where the user left it.
import type { App } from './app';
import { signOut } from './auth';
import { h } from './dom';
import { fixedRangeParams, fromLocalInput, PRESETS, presetParams, resolveRange, toLocalInput } from './range';
import { REFRESH_CHOICES } from './refresh';
import { linkTo, type AppState, type Route } from './state';
import { currentTheme, toggleTheme } from './theme';

const NAV: [Route, string][] = [
  ['overview', 'Overview'],
  ['explore', 'Explore'],
  ['live', 'Live tail'],
  ['traffic', 'Traffic'],
  ['formulas', 'Formulas'],
  ['patterns', 'Patterns'],
  ['alerts', 'Alerts'],
];

// Pages without a time range of their own (and with nothing to poll: the tail streams, a trace is fixed).
const NO_RANGE: Route[] = ['live', 'trace', 'notfound'];

export interface TopBar {
  element: HTMLElement;
  /** Shows the state; refresh is the auto-refresh in force (the URL's, or the saved default), '' for off. */
  update(state: AppState, refresh: string): void;
}

/** onRefresh gets the refresh the user picked ('' for off); the shell decides what goes in the URL and the config. */
export function createTopBar(app: App, onTheme: () => void, onRefresh: (value: string) => void): TopBar {
  const links = NAV.map(([route, label]) => h('a', { class: 'nav-link', 'data-testid': `nav-${route}`, href: '/' }, label));

  const presetButtons = Object.keys(PRESETS).map((preset) => h('button', {
    type: 'button', class: 'seg', 'data-testid': `range-${preset}`, 'aria-pressed': 'false',
    title: `The last ${preset}`,
    onclick: () => app.setParams(presetParams(preset)),
  }, preset));

  const from = h('input', { type: 'datetime-local', 'data-testid': 'range-from', 'aria-label': 'From (local time)' });
  const to = h('input', { type: 'datetime-local', 'data-testid': 'range-to', 'aria-label': 'To (local time)' });
  const customError = h('span', { class: 'range-error', role: 'alert' });
  const customForm = h('form', { class: 'range-custom', hidden: true },
    from, h('span', { class: 'muted' }, '→'), to,
    h('button', { type: 'submit', class: 'btn small', 'data-testid': 'range-apply' }, 'Apply'),
    customError);
  customForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const start = fromLocalInput(from.value);
    const end = fromLocalInput(to.value);
    if (start === null || end === null || end <= start) {
      customError.textContent = 'Pick a start before the end.';
      return;
    }
    customError.textContent = '';
    app.setParams(fixedRangeParams(start, end));
  });
  const customButton = h('button', {
    type: 'button', class: 'seg', 'data-testid': 'range-custom', 'aria-pressed': 'false', 'aria-expanded': 'false',
    onclick: () => {
      customForm.hidden = !customForm.hidden;
      customButton.setAttribute('aria-expanded', String(!customForm.hidden));
      if (!customForm.hidden) {
        from.focus();
      }
    },
  }, 'Custom');

  const rangeGroup = h('div', { class: 'range', role: 'group', 'aria-label': 'Time range' },
    h('div', { class: 'segmented' }, presetButtons, customButton), customForm);

  const refresh = h('select', {
    'data-testid': 'refresh-select', 'aria-label': 'Auto-refresh',
    onchange: () => onRefresh(refresh.value),
  }, REFRESH_CHOICES.map(([value, label]) => h('option', { value }, value ? `Refresh ${label}` : 'Refresh off')));
  // A saved default or a link may ask for an interval the list does not hold; it gets an option of its own.
  let otherChoice: HTMLOptionElement | null = null;
  const showRefresh = (value: string): void => {
    if (value && !REFRESH_CHOICES.some(([v]) => v === value)) {
      if (otherChoice?.value !== value) {
        otherChoice?.remove();
        otherChoice = h('option', { value }, `Refresh ${value}`);
        refresh.appendChild(otherChoice);
      }
    } else if (otherChoice) {
      otherChoice.remove();
      otherChoice = null;
    }
    refresh.value = value;
  };

  const theme = h('button', {
    type: 'button', class: 'btn ghost', 'data-testid': 'theme-toggle',
    onclick: () => {
      toggleTheme();
      setThemeLabel();
      onTheme();
    },
  });
  const setThemeLabel = (): void => {
    const dark = currentTheme() === 'dark';
    theme.textContent = dark ? '☀ Light' : '☾ Dark';
    theme.setAttribute('aria-label', dark ? 'Switch to the light theme' : 'Switch to the dark theme');
  };
  setThemeLabel();

  const signOutButton = app.session.signed_in
    ? h('button', { type: 'button', class: 'btn ghost', 'data-testid': 'signout', onclick: () => void signOut() }, 'Sign out')
    : null;

  const element = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '/', 'aria-label': 'Sluice overview' }, 'Sluice'),
    h('nav', { class: 'nav', 'aria-label': 'Pages' }, links),
    h('div', { class: 'topbar-tools' }, rangeGroup, refresh, theme, signOutButton));

  function update(state: AppState, refreshInForce: string): void {
    NAV.forEach(([route], i) => {
      links[i].href = linkTo(state, route);
      if (route === state.route) {
        links[i].setAttribute('aria-current', 'page');
      } else {
        links[i].removeAttribute('aria-current');
      }
    });
    rangeGroup.hidden = NO_RANGE.includes(state.route);
    refresh.hidden = NO_RANGE.includes(state.route);
    const range = resolveRange(state.params, Date.now());
    presetButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(range.preset === Object.keys(PRESETS)[i])));
    customButton.setAttribute('aria-pressed', String(range.preset === null));
    if (range.preset === null) {
      customForm.hidden = false;
    }
    customButton.setAttribute('aria-expanded', String(!customForm.hidden));
    // Show the window in force; a user typing in the inputs is not overwritten.
    if (document.activeElement !== from && document.activeElement !== to) {
      from.value = toLocalInput(range.start);
      to.value = toLocalInput(range.end);
    }
    showRefresh(refreshInForce);
  }

  return { element, update };
}
