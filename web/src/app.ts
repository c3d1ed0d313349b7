// What a page gets from the shell: the current state, the session, navigation and the ready signal.
import type { FirstLoad } from './early';
import type { AppState } from './state';
import type { AuthStatus } from './types';

export interface Session extends AuthStatus {
  /** Whether settings may be changed: an admin key, or a server without keys. */
  canAdmin: boolean;
}

export interface App {
  readonly state: AppState;
  readonly session: Session;
  /** Moves to a state: pushState for user actions, replaceState with replace. */
  navigate(next: AppState, options?: { replace?: boolean }): void;
  /** Sets parameters on the current route (null removes one). */
  setParams(patch: Record<string, string | null | undefined>, options?: { replace?: boolean }): void;
  /** Marks the page drawn: tests and the first-paint benchmark wait for body[data-ready]. */
  ready(page: string): void;
  /** Clears the mark while a page loads new data. */
  loading(): void;
  /** Shows the sign-in form (a page found out some other way than a 401, e.g. a refused WebSocket). */
  requireSignIn(): void;
  /** The overview's first stats and config, asked for beside the session check: once, and only for the same range. */
  takeFirstLoad(state: AppState): FirstLoad | null;
}

export type UpdateReason = 'enter' | 'change' | 'refresh' | 'theme';

export interface Page {
  /** Called on entry and on every change of state while the route is shown. */
  update(state: AppState, reason: UpdateReason): void;
  dispose(): void;
}

export type PageFactory = (app: App, root: HTMLElement) => Page;

/** Waits until charts made in this task have drawn (uPlot commits in a microtask), then one more turn. */
export function afterDraw(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
