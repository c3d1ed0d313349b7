// uPlot charts in the dashboard's style: stacked bars (levels, decisions), a histogram with drag-to-zoom and a
// line for formula series. Colours come from the theme's CSS variables, so charts are rebuilt on a theme change.
import uPlot from 'uplot';
import { align, stack } from './chart-data';
import { formatNumber } from './format';
import { cssVar } from './theme';

export interface Chart {
  destroy(): void;
}

export interface StackedSeries {
  label: string;
  values: readonly number[];
  color: string;
}

interface Common {
  height?: number;
  /** Bucket width in ms: bars start at their time and span one bucket. */
  bucketMs?: number;
  /** Called with a dragged time window; without it the chart does not select. */
  onSelect?: (start: number, end: number) => void;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A series' colour: the theme's --<group>-<key> variable when it has one, else a fixed palette by position. */
export function seriesColor(group: string, key: string, index: number): string {
  return cssVar(`--${group}-${key.toLowerCase().replace(/[^a-z0-9-]/g, '')}`, PALETTE[index % PALETTE.length]);
}

function axes(): uPlot.Axis[] {
  const stroke = cssVar('--muted', '#666');
  const grid = { stroke: cssVar('--grid', '#ddd'), width: 1 };
  const ticks = { stroke: grid.stroke, width: 1 };
  return [
    { stroke, grid, ticks },
    { stroke, grid, ticks, size: 50, values: (_u, splits) => splits.map((v) => formatNumber(v)) },
  ];
}

function base(el: HTMLElement, common: Common): uPlot.Options {
  const bucket = common.bucketMs ?? 0;
  const options: uPlot.Options = {
    width: Math.max(el.clientWidth, 300),
    height: common.height ?? 180,
    ms: 1, // times are epoch milliseconds
    axes: axes(),
    series: [{}],
    scales: {
      // The last bar starts at the last time and needs one bucket of room after it.
      x: { time: true, range: (_u, min, max) => [min, max + bucket] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    legend: { live: true },
    cursor: { drag: { x: Boolean(common.onSelect), y: false, setScale: false } },
  };
  if (common.onSelect) {
    const onSelect = common.onSelect;
    options.hooks = {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width > 4) {
            onSelect(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    };
  }
  return options;
}

/** Keeps a chart as wide as its box. */
function follow(el: HTMLElement, plot: uPlot): Chart {
  let width = el.clientWidth;
  const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => {
    if (el.clientWidth !== width && el.clientWidth > 0) {
      width = el.clientWidth;
      plot.setSize({ width: Math.max(width, 300), height: plot.height });
    }
  });
  observer?.observe(el);
  return {
    destroy() {
      observer?.disconnect();
      plot.destroy();
    },
  };
}

const bars = (): uPlot.Series.PathBuilder => uPlot.paths.bars!({ size: [0.9, 60], align: 1 });

/** Bars stacked bottom-up in the given order. Legend values show each series' own count, not the running total. */
export function stackedBars(el: HTMLElement, times: readonly number[], series: readonly StackedSeries[], common: Common = {}): Chart {
  const raw = series.map((s) => align(s.values, times.length));
  const totals = stack(raw);
  const options = base(el, common);
  // uPlot paints in order, so the tallest running total goes first and each lower one paints over it.
  const order = series.map((_, i) => i).reverse();
  for (const i of order) {
    options.series.push({
      label: series[i].label,
      stroke: series[i].color,
      fill: series[i].color,
      width: 0,
      paths: bars(),
      points: { show: false },
      value: (_u, _v, _si, idx) => (idx === null || idx === undefined ? '—' : formatNumber(raw[i][idx])),
    });
  }
  const data: uPlot.AlignedData = [Array.from(times), ...order.map((i) => totals[i])];
  return follow(el, new uPlot(options, data, el));
}

/** One series of bars (match counts over time). */
export function histogram(el: HTMLElement, times: readonly number[], counts: readonly number[], color: string, common: Common = {}): Chart {
  const options = base(el, common);
  options.series.push({
    label: 'events',
    stroke: color,
    fill: color,
    width: 0,
    paths: bars(),
    points: { show: false },
    value: (_u, v) => formatNumber(v),
  });
  return follow(el, new uPlot(options, [Array.from(times), align(counts, times.length)], el));
}

/** A line with gaps where a value is undefined (null). */
export function lineChart(el: HTMLElement, times: readonly number[], values: readonly (number | null)[], color: string, common: Common = {}): Chart {
  const options = base(el, common);
  options.scales!.y = { auto: true };
  options.series.push({ label: 'value', stroke: color, width: 2, spanGaps: false, value: (_u, v) => formatNumber(v) });
  const data = [Array.from(times), values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null))] as uPlot.AlignedData;
  return follow(el, new uPlot(options, data, el));
}

export interface BandChartData {
  times: readonly number[];
  observed: readonly (number | null)[];
  expected: readonly (number | null)[];
  lower: readonly (number | null)[];
  upper: readonly (number | null)[];
}

/** An observed line over its baseline: the expected value dashed, the band from lower to upper shaded. */
export function bandChart(el: HTMLElement, data: BandChartData, colors: { observed: string; band: string; expected: string }, common: Common = {}): Chart {
  const options = base(el, common);
  options.scales!.y = { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] };
  const value = (_u: uPlot, v: number | null): string => (v === null || v === undefined ? '—' : formatNumber(v));
  options.series.push(
    { label: 'upper', stroke: colors.band, width: 1, points: { show: false }, value },
    { label: 'lower', stroke: colors.band, width: 1, points: { show: false }, value },
    { label: 'expected', stroke: colors.expected, width: 1, dash: [4, 4], points: { show: false }, value },
    { label: 'observed', stroke: colors.observed, width: 2, value },
  );
  // uPlot shades between two series: upper (1) down to lower (2).
  options.bands = [{ series: [1, 2], fill: withAlpha(colors.band, 0.25) }];
  const clean = (list: readonly (number | null)[]): (number | null)[] => list.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const aligned = [Array.from(data.times), clean(data.upper), clean(data.lower), clean(data.expected), clean(data.observed)] as uPlot.AlignedData;
  return follow(el, new uPlot(options, aligned, el));
}

/** A #rrggbb colour with an alpha (other notations are returned unchanged). */
function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})` : color;
}
