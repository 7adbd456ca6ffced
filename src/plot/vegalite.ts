// Figure (plotly vocabulary) -> Vega-Lite v5 spec: panels from axis ids, subplot titles, legend, house style.
import type { LayoutAxis } from 'plotly.js';
import { TRACE_COLORS } from './colors.js';
import { PlotDataError, UnsupportedPlotError } from './errors.js';
import { DASHES, traceLayers, type Json } from './traces.js';
import type { Figure, Layout, Plot } from './types.js';

/** Mime type that JupyterLab 4 and Notebook 7 render with their built-in, trust-free Vega renderer. */
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The bundled font (assets/fonts); browsers without it fall back to their sans-serif. */
export const FONT_FAMILY = 'DejaVu Sans';

/** A Vega-Lite top-level spec as plain JSON (what the notebook frontend receives). */
export type VegaLiteSpec = Json;

/**
 * Sizes in CSS pixels for the whole figure when the layout gives none, like plotly's `width`/`height`.
 * Two panels side by side (legend below them) come to about 800 px, so they fit JupyterLab's output area at
 * 1280 px with the sidebar open; Vega-Lite's autosize 'fit' cannot size concat views to the container.
 */
const DEFAULT_SIZE = { single: { width: 560, height: 360 }, panel: { width: 380, height: 320 } } as const;
/** Half-width of the axis range around a single value, as a share of it (matplotlib widens such ranges too). */
const SINGLE_VALUE_MARGIN = 0.05;
/** Room a panel's axes, labels and title take around its plotting area, used to turn figure size into panel size. */
const PANEL_CHROME = { width: 80, height: 70 } as const;

/** Fonts and colours shared by every chart: close to matplotlib's defaults, with lighter grids. */
const HOUSE_CONFIG: Json = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 12,
  view: { stroke: '#b0b0b0' },
  axis: {
    labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelColor: '#333', titleColor: '#222',
    gridColor: '#e8e8e8', domainColor: '#555', tickColor: '#555', titlePadding: 8, labelOverlap: true,
  },
  title: { fontSize: 14, fontWeight: 'normal', anchor: 'middle', color: '#222', offset: 8 },
  legend: { labelFontSize: 11, symbolStrokeWidth: 2.5, symbolSize: 120, labelLimit: 240 },
  concat: { spacing: 36 },
};

/** Axis number of a plotly axis id: 'x' -> 1, 'x3' -> 3. */
function axisNumber(id: string | undefined, letter: 'x' | 'y', where: string): number {
  const match = new RegExp(`^${letter}(\\d*)$`).exec(id ?? letter);
  if (!match) throw new UnsupportedPlotError(`${where} has ${letter}axis "${id}"; expected "${letter}", "${letter}2", ...`);
  return match[1] ? Number(match[1]) : 1;
}

function layoutAxis(layout: Layout | undefined, letter: 'x' | 'y', n: number): Partial<LayoutAxis> | undefined {
  return (layout as Record<string, Partial<LayoutAxis> | undefined> | undefined)?.[`${letter}axis${n === 1 ? '' : n}`];
}

/** A Vega title from plotly's; text after a `<br>` becomes the subtitle (plotly's line break). */
function titleSpec(title: string | undefined, fontSize: number): Json {
  if (title === undefined) return {};
  const [text, ...rest] = title.split(/<br\s*\/?>/i);
  const subtitle = rest.join(' ').trim();
  return { title: { text, fontSize, ...(subtitle ? { subtitle, subtitleFontSize: 12, subtitleColor: '#555' } : {}) } };
}

/**
 * A subplot title as a text mark a fixed distance above the plotting area. A Vega title would sit above the
 * panel's bounds instead, which include tick labels overhanging the top, so titles of neighbours would not align.
 */
function panelTitleLayer(text: string, panelWidth: number): Json {
  return {
    data: { values: [{}] },
    mark: { type: 'text', text, x: panelWidth / 2, y: -12, align: 'center', baseline: 'bottom', fontSize: 14, color: '#222' },
  };
}

function titleText(title: Layout['title']): string | undefined {
  return typeof title === 'string' ? title : title?.text;
}

/** Subplot titles: annotations anchored to a subplot's domain (`xref: 'x2 domain'`), as `subplots` writes them. */
function panelTitles(layout: Layout | undefined): Map<number, string> {
  const titles = new Map<number, string>();
  (layout?.annotations ?? []).forEach((note, i) => {
    const match = /^x(\d*) domain$/.exec(note.xref ?? '');
    if (!match || note.text === undefined) {
      throw new UnsupportedPlotError(`layout.annotations[${i}] is not a subplot title; only annotations with xref "x domain", "x2 domain", ... are drawn.`);
    }
    titles.set(match[1] ? Number(match[1]) : 1, note.text);
  });
  return titles;
}

/** The legend shared by all panels: one entry per trace name, in order of first appearance. */
function figureLegend(data: Plot[], layout: Layout | undefined): { domain: string[]; colors: string[]; dashes: number[][] } | undefined {
  const domain: string[] = [];
  const colors: string[] = [];
  const dashes: number[][] = [];
  for (const trace of data) {
    if (trace.name === undefined || trace.showlegend === false || domain.includes(trace.name)) continue;
    const explicit = trace.line?.color ?? trace.marker?.color;
    colors.push(typeof explicit === 'string' ? explicit : TRACE_COLORS[domain.length % TRACE_COLORS.length]!);
    dashes.push(DASHES[trace.type === 'bar' ? 'solid' : trace.line?.dash ?? 'solid'] ?? DASHES['solid']!);
    domain.push(trace.name);
  }
  const show = layout?.showlegend ?? domain.length >= 2;
  return show && domain.length > 0 ? { domain, colors, dashes } : undefined;
}

/** The x or y values of the panel's line/marker traces when all are finite numbers (x defaults to 0, 1, 2, ...). */
function scatterValues(traces: Plot[], letter: 'x' | 'y'): number[] | undefined {
  const values = traces.filter((t) => (t.type ?? 'scatter').startsWith('scatter')).flatMap((t) => {
    const given = (letter === 'x' ? t.x ?? Array.from(t.y as ArrayLike<unknown> ?? [], (_, i) => i) : t.y) as ArrayLike<unknown> | undefined;
    return Array.from(given ?? []);
  });
  return values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (values as number[]) : undefined;
}

/**
 * An axis range around a single value (e.g. a one-epoch run): a zero-width domain makes Vega's ticks and their
 * number format degenerate ("2.080000", or 0.51 rounded to "1"), so the value gets a margin on both sides.
 */
function padSingleValue(axis: Partial<LayoutAxis> | undefined, values: number[] | undefined): Partial<LayoutAxis> | undefined {
  if (axis?.range || axis?.type === 'log' || !values || values.some((v) => v !== values[0])) return axis;
  const value = values[0]!;
  const margin = value === 0 ? 0.5 : Math.abs(value) * SINGLE_VALUE_MARGIN;
  return { ...axis, range: [value - margin, value + margin] };
}

function panelSpec(traces: Plot[], n: number, figure: Figure, legend: ReturnType<typeof figureLegend>, size: { width: number; height: number }): Json {
  const ticks = { x: Math.max(3, Math.round(size.width / 70)), y: Math.max(3, Math.round(size.height / 40)) };
  const xs = scatterValues(traces, 'x');
  const xAxis = padSingleValue(layoutAxis(figure.layout, 'x', n), xs);
  const yAxis = padSingleValue(layoutAxis(figure.layout, 'y', n), scatterValues(traces, 'y'));
  // Epoch and step axes: no ticks at 0.2, 0.4, ... between whole numbers.
  const integerX = xs !== undefined && xs.every(Number.isInteger);
  const bars = traces.filter((t) => t.type === 'bar');
  const barGroup = bars.length > 1 ? bars.map((t) => t.name ?? `trace ${figure.data.indexOf(t)}`) : undefined;
  if (barGroup && bars.some((t) => t.name === undefined)) {
    throw new UnsupportedPlotError('several bar traces share a panel; give each a name so their bars can be grouped and labelled.');
  }
  const layers = traces.flatMap((trace, i) => {
    const index = figure.data.indexOf(trace);
    const where = `trace ${index}${trace.name === undefined ? '' : ` ("${trace.name}")`}`;
    const legendIndex = legend && trace.name !== undefined ? legend.domain.indexOf(trace.name) : -1;
    const color = legendIndex >= 0 ? legend!.colors[legendIndex]! : TRACE_COLORS[i % TRACE_COLORS.length]!;
    return traceLayers(trace, { where, xAxis, yAxis, color, legend, barGroup, ticks, integerX });
  });
  return { layer: layers };
}

/**
 * Translates a figure into a Vega-Lite v5 spec with inline data (no URLs, so it renders offline).
 * Traces sharing `xaxis: 'xN'` form one panel; panels are laid out by `layout.grid` (default: one row).
 * `size` overrides `layout.width`/`layout.height` (CSS pixels for the whole figure).
 * Throws `PlotDataError` for unusable data and `UnsupportedPlotError` outside the supported subset.
 */
export function toVegaLite(figure: Figure, size: { width?: number; height?: number } = {}): VegaLiteSpec {
  if (!Array.isArray(figure.data) || figure.data.length === 0) {
    throw new PlotDataError('empty', 'figure.data is empty; expected at least one trace, e.g. { data: [{ y: [1, 2, 3] }] }.');
  }
  const layout = figure.layout;
  const panels = new Map<number, Plot[]>();
  figure.data.forEach((trace, i) => {
    const where = `trace ${i}`;
    const n = axisNumber(trace.xaxis, 'x', where);
    if (axisNumber(trace.yaxis, 'y', where) !== n) {
      throw new UnsupportedPlotError(`${where} pairs xaxis "${trace.xaxis}" with yaxis "${trace.yaxis}"; each subplot needs matching ids (x2 with y2).`);
    }
    panels.set(n, [...(panels.get(n) ?? []), trace]);
  });
  const legend = figureLegend(figure.data, layout);
  const titles = panelTitles(layout);
  const order = [...panels.keys()].sort((a, b) => a - b);
  const title = titleText(layout?.title);
  const width = size.width ?? layout?.width;
  const height = size.height ?? layout?.height;
  const top: Json = { $schema: VEGA_LITE_SCHEMA, config: HOUSE_CONFIG };
  if (order.length === 1) {
    const n = order[0]!;
    const panelTitle = titles.get(n);
    const panelSize = { width: width ?? DEFAULT_SIZE.single.width, height: height ?? DEFAULT_SIZE.single.height };
    const plotWidth = panelSize.width - PANEL_CHROME.width;
    const panel = panelSpec(panels.get(n)!, n, figure, legend, { width: plotWidth, height: panelSize.height - PANEL_CHROME.height });
    // A super-title and a subplot title (trainingCurves with one panel): both are shown, as with two panels.
    if (title !== undefined && panelTitle !== undefined) (panel['layer'] as Json[]).push(panelTitleLayer(panelTitle, plotWidth));
    return {
      ...top,
      ...titleSpec(title !== undefined && panelTitle !== undefined ? title : panelTitle ?? title, 15),
      ...panelSize,
      autosize: { type: 'fit', contains: 'padding' },
      ...panel,
    };
  }
  const columns = layout?.grid?.columns ?? (layout?.grid?.rows ? Math.ceil(order.length / layout.grid.rows) : order.length);
  const rows = Math.ceil(order.length / columns);
  const panelWidth = width === undefined ? DEFAULT_SIZE.panel.width - PANEL_CHROME.width : Math.max(80, width / columns - PANEL_CHROME.width);
  const panelHeight = height === undefined ? DEFAULT_SIZE.panel.height - PANEL_CHROME.height : Math.max(60, height / rows - PANEL_CHROME.height);
  return {
    ...top,
    // The shared legend goes below the panels, where it costs no width.
    config: { ...HOUSE_CONFIG, legend: { ...(HOUSE_CONFIG['legend'] as Json), orient: 'bottom', direction: 'horizontal' } },
    ...titleSpec(title, 16),
    columns,
    concat: order.map((n) => {
      const panel = panelSpec(panels.get(n)!, n, figure, legend, { width: panelWidth, height: panelHeight });
      const title = titles.get(n);
      if (title !== undefined) (panel['layer'] as Json[]).push(panelTitleLayer(title, panelWidth));
      return { width: panelWidth, height: panelHeight, ...panel };
    }),
  };
}
