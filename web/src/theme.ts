// Light and dark themes are CSS custom properties under html[data-theme]; the choice is kept in localStorage
// (never anything secret there), and without one the system preference decides.

const KEY = 'sluice.theme';

export type Theme = 'light' | 'dark';

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null; // storage can be off (privacy modes); the system preference still works
  }
}

function systemTheme(): Theme {
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Applies the saved or system theme and follows system changes while nothing is saved. */
export function initTheme(onChange: () => void): void {
  document.documentElement.dataset.theme = storedTheme() ?? systemTheme();
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (!storedTheme()) {
      document.documentElement.dataset.theme = systemTheme();
      onChange();
    }
  });
}

export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // not saved; the toggle still applies to this page
  }
  return next;
}

/** A CSS custom property of the current theme (charts draw on canvas and need the colours as values). */
export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
