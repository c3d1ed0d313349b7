// Numbers and times as people read them. Pure functions (no locale lookups), so tests pin the exact text.

const UNITS = ['', ' k', ' M', ' G', ' T', ' P'];

/** 1234 → "1.2 k", 1234567 → "1.2 M", 999 → "999", 0.5 → "0.5"; "—" for a missing or non-finite value. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  const sign = value < 0 ? '-' : '';
  let abs = Math.abs(value);
  if (abs < 1000) {
    return sign + trimSmall(abs);
  }
  let unit = 0;
  while (abs >= 1000 && unit < UNITS.length - 1) {
    abs /= 1000;
    unit++;
  }
  // Rounding can carry into the next unit (999,960 → "1000 k"), so round first and move up if it did.
  let text = abs < 100 ? abs.toFixed(1) : abs.toFixed(0);
  if (Number(text) >= 1000 && unit < UNITS.length - 1) {
    unit++;
    text = (Number(text) / 1000).toFixed(1);
  }
  return sign + stripZero(text) + UNITS[unit];
}

/** Below 1000: whole numbers as they are, fractions to three significant digits at most two decimals. */
function trimSmall(abs: number): string {
  if (Number.isInteger(abs)) {
    return String(abs);
  }
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = abs.toFixed(decimals);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function stripZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** Events per second: "3.4 k/s", "12/s", "0.25/s". */
export function formatRate(perSecond: number | null | undefined): string {
  const text = formatNumber(perSecond);
  return text === '—' ? text : `${text.replace(/ $/, '')}/s`;
}

/** A whole number with thousands separators: 1234567 → "1,234,567". */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) {
    return '—';
  }
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (rounded < 0 ? '-' : '') + digits;
}

/** A share from 0 to 1 as a percentage: 0.1234 → "12.3 %", 0 → "0 %". */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) {
    return '—';
  }
  const pct = share * 100;
  if (pct === 0) {
    return '0 %';
  }
  const text = Math.abs(pct) < 10 ? pct.toFixed(2) : pct.toFixed(1);
  return `${text.replace(/\.?0+$/, '')} %`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units: 1536 → "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '—';
  }
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : stripZero(value < 100 ? value.toFixed(1) : value.toFixed(0));
  return `${bytes < 0 ? '-' : ''}${text} ${BYTE_UNITS[unit]}`;
}

/** A length of time: 850 → "850 ms", 1500 → "1.5 s", 125000 → "2 m 5 s", 7200000 → "2 h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '—';
  }
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) {
    return `${sign}${trimSmall(abs)} ms`;
  }
  if (abs < 60_000) {
    return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  }
  const parts: string[] = [];
  let rest = Math.round(abs / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) {
      break;
    }
  }
  return sign + parts.join(' ');
}

/** An offset from a starting point, as a trace timeline shows it: "+0 ms", "+12 ms", "+1.25 s". */
export function formatOffset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The browser's local time: "2026-01-02 03:04:05.678". */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) {
    return '—';
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Shorter local time for the live tail: "03:04:05.678". */
export function formatLocalClock(ms: number): string {
  return formatLocalTime(ms).slice(11);
}

/** The UTC time for a hover title: "2026-01-02T03:04:05.678Z (UTC)". */
export function formatUtcTitle(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString()} (UTC)`;
}
