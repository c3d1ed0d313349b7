import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes, formatDuration, formatInteger, formatLocalClock, formatLocalTime, formatNumber, formatOffset,
  formatPercent, formatRate, formatUtcTitle,
} from '../src/format';

describe('formatNumber', () => {
  it('leaves numbers under a thousand whole', () => {
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(7), '7');
    assert.equal(formatNumber(999), '999');
  });
  it('gives fractions three significant digits at most', () => {
    assert.equal(formatNumber(0.5), '0.5');
    assert.equal(formatNumber(0.123), '0.12');
    assert.equal(formatNumber(12.345), '12.3');
    assert.equal(formatNumber(123.45), '123');
  });
  it('uses k, M, G with one decimal below 100', () => {
    assert.equal(formatNumber(1000), '1 k');
    assert.equal(formatNumber(1234), '1.2 k');
    assert.equal(formatNumber(3400), '3.4 k');
    assert.equal(formatNumber(12_345), '12.3 k');
    assert.equal(formatNumber(123_456), '123 k');
    assert.equal(formatNumber(1_200_000), '1.2 M');
    assert.equal(formatNumber(2_500_000_000), '2.5 G');
  });
  it('carries a rounding into the next unit', () => {
    assert.equal(formatNumber(999_999), '1 M');
    assert.equal(formatNumber(999_500), '1 M');
    assert.equal(formatNumber(99_960), '100 k');
  });
  it('keeps the sign and shows a dash for missing values', () => {
    assert.equal(formatNumber(-1500), '-1.5 k');
    assert.equal(formatNumber(null), '—');
    assert.equal(formatNumber(undefined), '—');
    assert.equal(formatNumber(Number.NaN), '—');
    assert.equal(formatNumber(Number.POSITIVE_INFINITY), '—');
  });
});

describe('formatRate', () => {
  it('appends /s to the formatted number', () => {
    assert.equal(formatRate(3400), '3.4 k/s');
    assert.equal(formatRate(12), '12/s');
    assert.equal(formatRate(0.25), '0.25/s');
    assert.equal(formatRate(0), '0/s');
    assert.equal(formatRate(null), '—');
  });
});

describe('formatInteger', () => {
  it('groups thousands with commas', () => {
    assert.equal(formatInteger(0), '0');
    assert.equal(formatInteger(999), '999');
    assert.equal(formatInteger(1234), '1,234');
    assert.equal(formatInteger(1_234_567), '1,234,567');
    assert.equal(formatInteger(-1_000_000), '-1,000,000');
  });
});

describe('formatPercent', () => {
  it('turns a share into a percentage', () => {
    assert.equal(formatPercent(0), '0 %');
    assert.equal(formatPercent(0.12), '12 %');
    assert.equal(formatPercent(0.1234), '12.3 %');
    assert.equal(formatPercent(0.0123), '1.23 %');
    assert.equal(formatPercent(1), '100 %');
    assert.equal(formatPercent(null), '—');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(10 * 1024 * 1024), '10 MiB');
    assert.equal(formatBytes(300 * 1024 ** 3), '300 GiB');
  });
});

describe('formatDuration and formatOffset', () => {
  it('reads like a person would say it', () => {
    assert.equal(formatDuration(0), '0 ms');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(1000), '1 s');
    assert.equal(formatDuration(1500), '1.5 s');
    assert.equal(formatDuration(1234), '1.23 s');
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(125_000), '2 m 5 s');
    assert.equal(formatDuration(7_200_000), '2 h');
    assert.equal(formatDuration(90_061_000), '1 d 1 h');
  });
  it('prefixes offsets with + and never goes negative', () => {
    assert.equal(formatOffset(0), '+0 ms');
    assert.equal(formatOffset(12), '+12 ms');
    assert.equal(formatOffset(1250), '+1.25 s');
    assert.equal(formatOffset(-5), '+0 ms');
  });
});

describe('times', () => {
  // run.mjs sets TZ=Asia/Kolkata (UTC+05:30), so local times are checkably different from UTC.
  const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  it('shows the browser zone', () => {
    assert.equal(formatLocalTime(ms), '2026-01-02 08:34:05.678');
    assert.equal(formatLocalClock(ms), '08:34:05.678');
  });
  it('puts UTC in the title', () => {
    assert.equal(formatUtcTitle(ms), '2026-01-02T03:04:05.678Z (UTC)');
  });
  it('crosses midnight in the local zone', () => {
    assert.equal(formatLocalTime(Date.UTC(2026, 0, 1, 20, 0, 0, 0)), '2026-01-02 01:30:00.000');
  });
  it('shows a dash for an invalid time', () => {
    assert.equal(formatLocalTime(Number.NaN), '—');
    assert.equal(formatUtcTitle(Number.NaN), '');
  });
});
