// Translates one plotly trace (scatter, bar, heatmap, image) into Vega-Lite layers with inline data.
import type { LayoutAxis } from 'plotly.js';
import { colorAt, colorStops, contrastText, NAMED_SCALES } from './colors.js';
import { PlotDataError, UnsupportedPlotError } from './errors.js';
import type { Plot } from './types.js';
import { categoryLabels, finiteNumbers, requireNonEmpty, requireSameLength } from './validate.js';

/** A loosely typed Vega-Lite JSON object; the whole spec is checked by compiling it in the tests. */
export type Json = Record<string, unknown>;

/** What a trace needs to know about the panel it is drawn in. */
export interface TraceContext {
  /** Names this trace by position for error messages, e.g. `trace 2 ("val")`. */
  where: string;
  xAxis: Partial<LayoutAxis> | undefined;
  yAxis: Partial<LayoutAxis> | undefined;
  /** Colour for this trace when it sets none (cycles through the palette per panel). */
  color: string;
  /** The figure-wide legend (one entry per named trace); `undefined` when the figure shows no legend. */
  legend: { domain: string[]; colors: string[]; dashes: number[][] } | undefined;
  /** Names of the bar traces in this panel when there are several (drawn side by side). */
  barGroup: string[] | undefined;
  /** Tick counts for quantitative axes, from the panel size (about one label per 70 px across, 40 px up). */
  ticks: { x: number; y: number };
  /** Every x in the panel is a whole number (epochs, steps): ticks then fall on whole numbers only. */
  integerX?: boolean;
}

/** plotly's `line.dash` names as SVG dash arrays. */
export const DASHES: Record<string, number[]> = { solid: [1, 0], dash: [6, 4], dot: [2, 3], dashdot: [6, 3, 2, 3] };

export function axisTitle(axis: Partial<LayoutAxis> | undefined): string | null {
  const title = axis?.title;
  if (typeof title === 'string') return title;
  return title?.text ?? null;
}

/** An x or y encoding honouring plotly's axis title, range, log type, reversal and tick format. */
function channel(field: string, type: 'quantitative' | 'nominal', axis: Partial<LayoutAxis> | undefined, zero: boolean, tickCount?: number, integer = false): Json {
  const scale: Json = {};
  const axisProps: Json = {};
  if (type === 'quantitative') {
    scale['zero'] = zero;
    if (axis?.range) scale['domain'] = finiteNumbers(axis.range, 'axis range');
    // Lines and markers get a margin like matplotlib's, so end points are not cut in half by the frame.
    else if (!zero) Object.assign(scale, { padding: 8, nice: false });
    if (axis?.type === 'log') scale['type'] = 'log';
    if (axis?.tickformat) axisProps['format'] = axis.tickformat;
    if (tickCount !== undefined) axisProps['tickCount'] = tickCount;
    // Vega picks the label format from the tick count alone, so a lone tick at 1 would read "1.0" without 'd'.
    if (integer) Object.assign(axisProps, { tickMinStep: 1, format: axis?.tickformat ?? ',d' });
  } else {
    axisProps['labelAngle'] = 0;
  }
  if (axis?.autorange === 'reversed') scale['reverse'] = true;
  if (axis?.showgrid !== undefined) axisProps['grid'] = axis.showgrid;
  return { field, type, title: axisTitle(axis), scale, axis: axisProps, ...(type === 'nominal' ? { sort: null } : {}) };
}

/** Colour (and dash) channels: a legend entry when the trace is in the legend, else a fixed mark colour. */
function styleEncoding(trace: Plot, ctx: TraceContext, withDash: boolean): Json {
  const name = trace.name;
  if (!ctx.legend || name === undefined || trace.showlegend === false) return {};
  const scale = { domain: ctx.legend.domain, range: ctx.legend.colors };
  // Lines get stroke swatches, which show their dash (and look right with markers too); bars keep squares.
  const legend = withDash ? { title: null, symbolType: 'stroke' } : { title: null };
  const encoding: Json = { color: { field: 'series', type: 'nominal', scale, legend } };
  // Same domain on colour and dash makes Vega-Lite merge them into one legend with dashed swatches.
  if (withDash) encoding['strokeDash'] = { field: 'series', type: 'nominal', scale: { domain: ctx.legend.domain, range: ctx.legend.dashes }, legend };
  return encoding;
}

function scatterLayers(trace: Plot, ctx: TraceContext): Json[] {
  requireNonEmpty(trace.y as ArrayLike<unknown> | undefined, `${ctx.where} y`);
  const y = finiteNumbers(trace.y as ArrayLike<unknown>, `${ctx.where} y`);
  const rawX = (trace.x as ArrayLike<unknown> | undefined) ?? y.map((_, i) => i);
  requireSameLength(rawX, y, `${ctx.where} x`, 'y value');
  const numericX = Array.from(rawX).every((v) => typeof v === 'number');
  const x = numericX ? finiteNumbers(rawX, `${ctx.where} x`) : categoryLabels(rawX, `${ctx.where} x`);
  const values = y.map((yi, i) => ({ x: x[i], y: yi, i, series: trace.name }));
  const color = (typeof trace.line?.color === 'string' ? trace.line.color : undefined)
    ?? (typeof trace.marker?.color === 'string' ? trace.marker.color : undefined) ?? ctx.color;
  const mode = trace.mode ?? (y.length > 20 ? 'lines' : 'lines+markers');
  const encoding: Json = {
    x: channel('x', numericX ? 'quantitative' : 'nominal', ctx.xAxis, false, ctx.ticks.x, ctx.integerX === true),
    y: channel('y', 'quantitative', ctx.yAxis, false, ctx.ticks.y),
    order: { field: 'i', type: 'quantitative' }, // plotly joins points in the given order, not sorted by x
  };
  const layers: Json[] = [];
  if (mode.includes('lines')) {
    const dash = DASHES[trace.line?.dash ?? 'solid'] ?? DASHES['solid'];
    layers.push({
      data: { values },
      mark: { type: 'line', color, strokeWidth: trace.line?.width ?? 2, strokeDash: dash, clip: true },
      encoding: { ...encoding, ...styleEncoding(trace, ctx, true) },
    });
  }
  if (mode.includes('markers')) {
    const size = typeof trace.marker?.size === 'number' ? trace.marker.size : 6;
    layers.push({
      data: { values },
      mark: { type: 'point', filled: true, opacity: 1, color, size: size * size, clip: true },
      encoding: { ...encoding, ...styleEncoding(trace, ctx, true) },
    });
  }
  if (layers.length === 0) throw new UnsupportedPlotError(`${ctx.where} has mode "${mode}"; expected "lines", "markers" or "lines+markers".`);
  return layers;
}

function barLayers(trace: Plot, ctx: TraceContext): Json[] {
  if (trace.orientation === 'h') throw new UnsupportedPlotError(`${ctx.where} is a horizontal bar chart; only orientation "v" is supported. Swap x and y.`);
  requireNonEmpty(trace.y as ArrayLike<unknown> | undefined, `${ctx.where} y`);
  const y = finiteNumbers(trace.y as ArrayLike<unknown>, `${ctx.where} y`);
  const x = categoryLabels((trace.x as ArrayLike<unknown> | undefined) ?? y.map((_, i) => i), `${ctx.where} x`);
  requireSameLength(x, y, `${ctx.where} x`, 'y value');
  const text = trace.text === undefined ? undefined : Array.isArray(trace.text) ? trace.text.map(String) : y.map(() => String(trace.text));
  if (text) requireSameLength(text, y, `${ctx.where} text`, 'bar');
  const values = y.map((yi, i) => ({ x: x[i], y: yi, text: text?.[i] ?? '', series: trace.name }));
  const color = typeof trace.marker?.color === 'string' ? trace.marker.color : ctx.color;
  const encoding: Json = { x: channel('x', 'nominal', ctx.xAxis, true), y: channel('y', 'quantitative', ctx.yAxis, true, ctx.ticks.y) };
  if (ctx.barGroup) encoding['xOffset'] = { datum: trace.name ?? ctx.where, scale: { domain: ctx.barGroup } };
  const layers: Json[] = [{ data: { values }, mark: { type: 'bar', color }, encoding: { ...encoding, ...styleEncoding(trace, ctx, false) } }];
  if (text) {
    layers.push({
      data: { values },
      mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 11, color: '#222' },
      encoding: { ...encoding, text: { field: 'text' } },
    });
  }
  return layers;
}

/** Rows of a 2-D numeric grid (heatmap z), checked to be rectangular and finite. */
function grid(z: unknown, what: string): number[][] {
  if (!Array.isArray(z) || z.length === 0 || !z.every((row) => Array.isArray(row) || ArrayBuffer.isView(row))) {
    throw new PlotDataError('shape', `${what} must be a non-empty array of rows (number[][]); got ${describe(z)}.`);
  }
  const rows: number[][] = (z as ArrayLike<unknown>[]).map((row, r) => finiteNumbers(row, `${what}[${r}]`));
  const width = rows[0]?.length ?? 0;
  if (width === 0) throw new PlotDataError('empty', `${what}[0] is empty; expected at least one column.`);
  rows.forEach((row, r) => requireSameLength(row, rows[0]!, `${what}[${r}]`, `${what}[0] entry`));
  return rows;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return value === null ? 'null' : typeof value;
}

/** Cell text from plotly's `texttemplate`; supports `%{z}`, `%{z:.Nf}`, `%{x}`, `%{y}` and `%{text}`. */
function cellText(template: string, cell: { x: string; y: string; z: number; text: string }, where: string): string {
  return template.replace(/%\{(\w+)(?::\.(\d+)f)?\}/g, (whole, key: string, digits: string | undefined) => {
    if (key === 'z') return digits === undefined ? String(cell.z) : cell.z.toFixed(Number(digits));
    if (key === 'x' || key === 'y' || key === 'text') return cell[key];
    throw new UnsupportedPlotError(`${where} texttemplate uses ${whole}; supported: %{z}, %{z:.2f}, %{x}, %{y}, %{text}.`);
  });
}

function heatmapLayers(trace: Plot, ctx: TraceContext): Json[] {
  const z = grid(trace.z, `${ctx.where} z`);
  const xs = categoryLabels((trace.x as ArrayLike<unknown> | undefined) ?? z[0]!.map((_, i) => i), `${ctx.where} x`);
  const ys = categoryLabels((trace.y as ArrayLike<unknown> | undefined) ?? z.map((_, i) => i), `${ctx.where} y`);
  requireSameLength(xs, z[0]!, `${ctx.where} x`, 'column of z');
  requireSameLength(ys, z, `${ctx.where} y`, 'row of z');
  const stops = colorStops(trace.colorscale);
  if (!stops) throw new UnsupportedPlotError(`${ctx.where} colorscale ${JSON.stringify(trace.colorscale)} is unknown; use one of ${NAMED_SCALES.join(', ')} or [[0, '#fff'], [1, '#000']] stops.`);
  const flat = z.flat();
  const zmin = trace.zmin ?? Math.min(...flat);
  const zmax = trace.zmax ?? Math.max(...flat);
  const span = zmax - zmin || 1;
  const ordered = trace.reversescale ? stops.map(([t, c]) => [1 - t, c] as [number, string]).reverse() : stops;
  const template = trace.texttemplate ?? (Array.isArray(trace.text) ? '%{text}' : undefined);
  const texts = trace.text as unknown;
  const values = z.flatMap((row, r) => row.map((zv, c) => {
    const text = Array.isArray(texts) ? String((texts[r] as unknown[] | undefined)?.[c] ?? '') : '';
    const fill = colorAt(ordered, Math.min(1, Math.max(0, (zv - zmin) / span)));
    return { x: xs[c], y: ys[r], z: zv, label: template ? cellText(template, { x: xs[c]!, y: ys[r]!, z: zv, text }, ctx.where) : '', ink: contrastText(fill) };
  }));
  // plotly draws y[0] at the bottom unless the axis is reversed; a Vega band scale puts its first value on top.
  const yOrder = ctx.yAxis?.autorange === 'reversed' ? ys : [...ys].reverse();
  const yAxis = { ...ctx.yAxis, autorange: undefined };
  const encoding: Json = {
    x: { ...channel('x', 'nominal', ctx.xAxis, false), scale: { domain: xs } },
    y: { ...channel('y', 'nominal', yAxis, false), scale: { domain: yOrder } },
  };
  const colorScale = { domain: ordered.map(([t]) => zmin + t * span), range: ordered.map(([, c]) => c), interpolate: 'rgb' };
  const layers: Json[] = [{
    data: { values },
    mark: { type: 'rect' },
    encoding: { ...encoding, color: { field: 'z', type: 'quantitative', scale: colorScale, legend: trace.showscale === false ? null : { title: null } } },
  }];
  if (template) {
    layers.push({
      data: { values },
      mark: { type: 'text', fontSize: 11 },
      // `fill`, not `color`: layers share scales per channel, and colour already maps z on the rects.
      encoding: { ...encoding, text: { field: 'label' }, fill: { field: 'ink', type: 'nominal', scale: null, legend: null } },
    });
  }
  return layers;
}

/** Pixel axes label whole pixels only. */
function pixelAxis(encoding: Json): Json {
  return { ...encoding, axis: { ...(encoding['axis'] as Json), tickMinStep: 1 } };
}

/** plotly `image` trace: `z` rows of [r, g, b] (or grey numbers 0..255), one rect per pixel so pixels stay square and exact. */
function imageLayers(trace: Plot, ctx: TraceContext): Json[] {
  const z = trace.z as unknown;
  if (!Array.isArray(z) || z.length === 0) throw new PlotDataError('shape', `${ctx.where} z must be rows of [r, g, b] pixels; got ${describe(z)}.`);
  const values: Json[] = [];
  z.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) throw new PlotDataError('shape', `${ctx.where} z[${r}] must be an array of pixels; got ${describe(row)}.`);
    row.forEach((pixel: unknown, c) => {
      const rgb = typeof pixel === 'number' ? [pixel, pixel, pixel] : finiteNumbers(pixel as ArrayLike<unknown>, `${ctx.where} z[${r}][${c}]`);
      if (rgb.length < 3 || rgb.some((v) => !Number.isFinite(v))) throw new PlotDataError('non-finite', `${ctx.where} z[${r}][${c}] must be [r, g, b] with finite 0..255 channels.`);
      values.push({ c, r, c2: c + 1, r2: r + 1, rgb: `rgb(${rgb.slice(0, 3).map((v) => Math.round(v)).join(',')})` });
    });
  });
  return [{
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { ...pixelAxis(channel('c', 'quantitative', ctx.xAxis, true)), scale: { zero: true, nice: false } }, x2: { field: 'c2' },
      y: { ...pixelAxis(channel('r', 'quantitative', ctx.yAxis, true)), scale: { zero: true, nice: false, reverse: true } }, y2: { field: 'r2' },
      color: { field: 'rgb', type: 'nominal', scale: null, legend: null },
    },
  }];
}

/** Vega-Lite layers drawing `trace`; throws `UnsupportedPlotError` for trace types outside the supported subset. */
export function traceLayers(trace: Plot, ctx: TraceContext): Json[] {
  switch (trace.type ?? 'scatter') {
    case 'scatter':
    case 'scattergl':
      return scatterLayers(trace, ctx);
    case 'bar':
      return barLayers(trace, ctx);
    case 'heatmap':
      return heatmapLayers(trace, ctx);
    case 'image':
      return imageLayers(trace, ctx);
    default:
      throw new UnsupportedPlotError(`${ctx.where} has type "${trace.type}"; supported types are scatter, bar, heatmap and image.`);
  }
}
