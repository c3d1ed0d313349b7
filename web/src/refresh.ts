// Auto-refresh: the URL's refresh parameter (5s, 30s, 1m, or off), and the default saved in the dashboard config
// (refresh_seconds, 0 = off) that applies when the URL has none. Pure, so the shell and the top bar agree.

export const REFRESH_CHOICES: [string, string][] = [['', 'Off'], ['5s', '5s'], ['30s', '30s'], ['1m', '1m']];

/** Written to the URL when the user turns refresh off while the saved default is on, so off sticks. */
export const REFRESH_OFF = 'off';

// The config's bounds (docs/api.md: 0 to 86400 seconds).
const MAX_SECONDS = 86_400;

/** Milliseconds for a refresh parameter (Ns or Nm, 1 s to a day), or 0 for off or anything unknown. */
export function refreshMs(value: string | undefined): number {
  const m = /^([1-9]\d{0,5})(s|m)$/.exec(value ?? '');
  if (!m) {
    return 0;
  }
  const seconds = Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  return seconds <= MAX_SECONDS ? seconds * 1000 : 0;
}

/** The refresh parameter for a saved refresh_seconds: whole minutes as Nm (60 is the select's 1m), else Ns; '' for off. */
export function refreshParam(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
    return '';
  }
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** The refresh_seconds to save for a choice of the select. */
export function refreshSeconds(value: string): number {
  return refreshMs(value) / 1000;
}

/** The refresh in force: the URL's when it has one (off included), else the saved default; '' for off. */
export function effectiveRefresh(param: string | undefined, savedSeconds: number): string {
  if (param) {
    return refreshMs(param) > 0 ? param : '';
  }
  return refreshParam(savedSeconds);
}

/** The URL parameter for a choice of the select: off is written out only when the saved default would turn it on. */
export function refreshChoiceParam(value: string, savedSeconds: number): string | null {
  if (refreshMs(value) > 0) {
    return value;
  }
  return refreshParam(savedSeconds) ? REFRESH_OFF : null;
}
