/**
 * One metric's chart (uPlot): the binned observed means, the baseline, the alert band (shaded), and the windows outside
 * the band marked in red. Next to it a data table with the same numbers (screen readers, and the browser tests read
 * it: `data-*` attributes carry the exact values the API returned).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type Band, formatNumber, placeOf } from './band.js';
import { h } from './dom.js';

/** One bin of `GET /scouter/drift/custom`, oldest first. */
export interface Point {
  /** Bin start as the server wrote it (RFC 3339). */
  createdAt: string;
  timeMs: number;
  avg: number;
  lowerBound: number;
  upperBound: number;
}

const COLORS = {
  mean: '#1f4fd1',
  baseline: '#5b6474',
  band: '#d97706',
  bandFill: 'rgba(16, 163, 74, 0.08)',
  out: '#dc2626',
  grid: '#eceef2',
  axis: '#5b6474',
};

const PLACE_TEXT = { in: 'in band', above: 'above band', below: 'below band' } as const;

function yRange(points: Point[], band: Band): [number, number] {
  const values = [band.baseline, ...points.map((p) => p.avg)];
  if (Number.isFinite(band.lower)) values.push(band.lower);
  if (Number.isFinite(band.upper)) values.push(band.upper);
  const finite = values.filter(Number.isFinite);
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    min -= Math.abs(min) * 0.1 || 1;
    max += Math.abs(max) * 0.1 || 1;
  }
  const pad = (max - min) * 0.12;
  return [min - pad, max + pad];
}

function timeText(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** An x-axis label: the time of day, with the date when the chart spans more than a day. */
function axisTime(ms: number, spanSec: number): string {
  const d = new Date(ms);
  if (spanSec > 86_400)
    return d.toLocaleString(undefined, {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
  return d.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    ...(spanSec < 3600 ? { second: '2-digit' } : {}),
  });
}

/** The table of one metric's bins (newest first, as a person reads a log). */
export function dataTable(metric: string, points: Point[], band: Band): HTMLTableElement {
  const rows = [...points].reverse().map((p) => {
    const place = placeOf(band, p.avg);
    return h(
      'tr',
      {
        class: place === 'in' ? '' : 'out-of-band',
        data: { time: p.createdAt, avg: String(p.avg), place },
      },
      h('td', {}, h('time', { attrs: { datetime: p.createdAt } }, timeText(p.timeMs))),
      h('td', { class: 'num' }, formatNumber(p.avg)),
      h('td', { class: 'num muted' }, `${formatNumber(p.lowerBound)} – ${formatNumber(p.upperBound)}`),
      h('td', {}, h('span', { class: `place place-${place}` }, PLACE_TEXT[place])),
    );
  });
  return h(
    'table',
    { class: 'data', data: { metric } },
    h('caption', { class: 'visually-hidden' }, `Observed means of ${metric}`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Window start'),
        h('th', {}, 'Mean'),
        h('th', {}, '±1 sd'),
        h('th', {}, 'Band'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/** Draws the chart into `target` (sized to it, following its width); returns a function that removes it. */
export function drawChart(target: HTMLElement, points: Point[], band: Band): () => void {
  const xs = points.map((p) => p.timeMs / 1000);
  const [yMin, yMax] = yRange(points, band);
  const lower = Number.isFinite(band.lower) ? band.lower : yMin;
  const upper = Number.isFinite(band.upper) ? band.upper : yMax;
  const outside = points.map((p) => (placeOf(band, p.avg) === 'in' ? null : p.avg));
  // With a single bin uPlot has no x extent: widen it by a minute on each side.
  const xRange: [number, number] =
    xs.length > 1 ? [xs[0]!, xs[xs.length - 1]!] : [(xs[0] ?? 0) - 60, (xs[0] ?? 0) + 60];
  const pad = (xRange[1] - xRange[0]) * 0.03;
  const data: uPlot.AlignedData = [
    xs,
    points.map((p) => p.avg),
    xs.map(() => upper),
    xs.map(() => lower),
    xs.map(() => band.baseline),
    outside,
  ];
  const opts: uPlot.Options = {
    width: Math.max(240, target.clientWidth),
    height: 220,
    legend: { show: false },
    cursor: { points: { size: 7 } },
    scales: {
      x: { time: true, range: () => [xRange[0] - pad, xRange[1] + pad] },
      y: { range: () => [yMin, yMax] },
    },
    axes: [
      {
        stroke: COLORS.axis,
        grid: { stroke: COLORS.grid },
        ticks: { stroke: COLORS.grid },
        space: 90,
        values: (_u, splits) => splits.map((v) => axisTime(v * 1000, xRange[1] - xRange[0])),
      },
      {
        stroke: COLORS.axis,
        grid: { stroke: COLORS.grid },
        ticks: { stroke: COLORS.grid },
        size: 56,
        values: (_u, splits) => splits.map((v) => formatNumber(v)),
      },
    ],
    series: [
      {},
      {
        label: 'mean',
        stroke: COLORS.mean,
        width: 2,
        points: { show: true, size: 6, fill: COLORS.mean },
      },
      {
        label: 'upper',
        stroke: Number.isFinite(band.upper) ? COLORS.band : 'transparent',
        dash: [6, 4],
        width: 1,
        points: { show: false },
      },
      {
        label: 'lower',
        stroke: Number.isFinite(band.lower) ? COLORS.band : 'transparent',
        dash: [6, 4],
        width: 1,
        points: { show: false },
      },
      { label: 'baseline', stroke: COLORS.baseline, dash: [2, 3], width: 1, points: { show: false } },
      {
        label: 'out of band',
        stroke: COLORS.out,
        width: 0,
        paths: () => null,
        points: { show: true, size: 11, stroke: COLORS.out, fill: COLORS.out, width: 2 },
      },
    ],
    bands: [{ series: [2, 3], fill: COLORS.bandFill }],
  };
  const chart = new uPlot(opts, data, target);
  const resize = new ResizeObserver(() => {
    const width = Math.max(240, target.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: 220 });
  });
  resize.observe(target);
  return () => {
    resize.disconnect();
    chart.destroy();
  };
}
