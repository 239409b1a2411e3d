/**
 * A thin React wrapper over uPlot (small, fast canvas charts): x values and one array per series.
 * Colours come from CSS variables, so the chart follows the theme; the width follows the container.
 * The canvas is not readable by screen readers: pass `summary`, a sentence that says what it shows.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { niceTop } from './chart-scale.js';

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
  /** A CSS variable holding a hex colour, e.g. `--chart-done`. */
  colorVar: string;
  /** Per-10 s counts read best as steps; measurements across runs as lines with points. */
  style?: 'step' | 'line';
}

export interface ChartProps {
  x: readonly number[];
  series: readonly ChartSeries[];
  /** 'time': x in seconds since the epoch; 'index': x is an ordinal (run 1, 2, 3 …). */
  xKind?: 'time' | 'index';
  height?: number;
  yLabel?: string;
  /** A fixed top of the y axis (100 for a percentage) instead of one fitted to the data. */
  yMax?: number;
  summary: string;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function buildOptions(width: number, props: ChartProps): uPlot.Options {
  const text = cssVar('--text-muted', '#57606a');
  const grid = cssVar('--border', '#d0d7de');
  const axis: uPlot.Axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  // Ordinals (run 1, 2, 3 …) get whole-number ticks only.
  const xAxis: uPlot.Axis = props.xKind === 'index' ? { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : axis;
  return {
    width,
    height: props.height ?? 200,
    scales: { x: { time: props.xKind !== 'index' }, y: { range: (_u, _min, max) => [0, props.yMax ?? niceTop(max)] } },
    axes: [xAxis, { ...axis, label: props.yLabel, size: 48 }],
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      ...props.series.map((s): uPlot.Series => {
        const color = cssVar(s.colorVar, '#0b5cad');
        return {
          label: s.label,
          stroke: color,
          width: 2,
          fill: s.style === 'line' ? undefined : `${color}26`,
          paths: s.style === 'line' ? undefined : uPlot.paths.stepped?.({ align: 1 }),
          points: { show: s.style === 'line' },
        };
      }),
    ],
  };
}

function toData(props: ChartProps): uPlot.AlignedData {
  return [props.x as number[], ...props.series.map((s) => s.values as (number | null)[])];
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const shape = props.series.map((s) => `${s.label}:${s.colorVar}:${s.style ?? 'step'}`).join('|') + `|${props.xKind}|${props.height}|${props.yMax}`;

  // (Re)create on a new shape or theme; data updates below reuse the plot.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const create = () => {
      plot.current?.destroy();
      plot.current = new uPlot(buildOptions(el.clientWidth || 600, latest.current), toData(latest.current), el);
    };
    create();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth || 600, height: latest.current.height ?? 200 }));
    resize.observe(el);
    const theme = new MutationObserver(create);
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      resize.disconnect();
      theme.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  // Memoize x and series in the page: a new array means new data for the plot.
  useEffect(() => {
    plot.current?.setData(toData(latest.current));
  }, [props.x, props.series]);

  return (
    <figure className="chart">
      <div ref={host} className="chart__canvas" role="img" aria-label={props.summary} />
      <figcaption className="sr-only">{props.summary}</figcaption>
    </figure>
  );
}
