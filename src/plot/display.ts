// Where figures go: inline in the tslab kernel (Vega-Lite / PNG mime bundles), else nodeplotlib's browser view.
import { createRequire } from 'node:module';
import { isRaster, type Drawable, type Figure, type Plot, type RasterImage } from './types.js';
import { toVegaLite, VEGA_LITE_MIME } from './vegalite.js';

/** One output area; tslab's `Display` has this shape (a second `raw` on a `newDisplay()` updates in place). */
export interface DisplayHandle {
  raw(mime: string, data: unknown): void;
}

/** What receives inline output: tslab's module in the kernel, or a recorder in tests. */
export interface DisplaySink {
  display: DisplayHandle;
  newDisplay(): DisplayHandle;
}

/** tslab sets this global in the kernel; its `require('tslab')` returns the running kernel's own module. */
interface TslabGlobal {
  __tslab__?: { require?: (id: string) => unknown };
}

let override: DisplaySink | null | undefined;

/**
 * Routes inline output to `sink` (tests, other frontends); `null` forces "not in a notebook";
 * `undefined` restores detection of the tslab kernel.
 */
export function setDisplaySink(sink: DisplaySink | null | undefined): void {
  override = sink;
}

/**
 * The kernel's display, or `undefined` outside a notebook. We ask tslab's own `require` hook rather than
 * importing 'tslab': a globally installed kernel is a different copy of the module from the one in this
 * package's node_modules, and only the running copy can write to the notebook ("Not ready" otherwise).
 */
export function currentSink(): DisplaySink | undefined {
  if (override !== undefined) return override ?? undefined;
  const kernel = (globalThis as TslabGlobal).__tslab__;
  if (typeof kernel?.require !== 'function') return undefined;
  try {
    return kernel.require('tslab') as DisplaySink;
  } catch {
    return undefined;
  }
}

/** The single mime bundle entry for a target: Vega-Lite JSON for figures, PNG bytes for images. */
export function mimeBundle(target: Drawable): [mime: string, data: unknown] {
  return isRaster(target) ? ['image/png', target.png] : [VEGA_LITE_MIME, toVegaLite(target)];
}

/** One line describing a target, printed where no notebook can show it. */
export function textSummary(target: Drawable): string {
  if (isRaster(target)) return `[image ${target.width}x${target.height} px: use savefig(image, 'name.png') to keep it]`;
  const panels = new Set(target.data.map((t) => t.xaxis ?? 'x')).size;
  const kinds = [...new Set(target.data.map((t) => t.type ?? 'scatter'))].join(', ');
  const title = target.layout?.title;
  const text = typeof title === 'string' ? title : title?.text;
  return `[figure${text ? ` "${text}"` : ''}: ${target.data.length} trace(s) (${kinds}) in ${panels} panel(s); ` +
    `use savefig(figure, 'name.png') or show(figure)]`;
}

/** Writes to one display handle; tslab throws "Not ready" before the kernel's first execution, so fall back to text. */
export function writeTo(handle: DisplayHandle, target: Drawable): boolean {
  const [mime, data] = mimeBundle(target);
  try {
    handle.raw(mime, data);
    return true;
  } catch (error) {
    if (error instanceof Error && error.message === 'Not ready') return false;
    throw error;
  }
}

/**
 * Shows a figure or image inline in the notebook; outside the kernel prints a one-line summary instead
 * (never opens anything). Validates the figure in both cases, so bad data fails the same way everywhere.
 */
export function display(target: Drawable): void {
  const sink = currentSink();
  if (sink && writeTo(sink.display, target)) return;
  mimeBundle(target);
  console.log(textSummary(target));
}

/** Heatmap counts as per-cell annotations: nodeplotlib's browser view runs plotly 1.58, which predates heatmap `texttemplate`. */
function forPlotly1(figure: Figure): Figure {
  const notes = figure.data.flatMap((trace) => {
    if (trace.type !== 'heatmap' || trace.texttemplate === undefined || !Array.isArray(trace.z)) return [];
    const z = trace.z as number[][];
    const xs = (trace.x as unknown[] | undefined) ?? z[0]?.map((_, i) => i) ?? [];
    const ys = (trace.y as unknown[] | undefined) ?? z.map((_, i) => i);
    const axis = (trace.xaxis ?? 'x').slice(1);
    return z.flatMap((row, r) => row.map((value, c) => ({
      x: xs[c], y: ys[r], text: String(value), showarrow: false, xref: `x${axis}`, yref: `y${axis}`,
    })));
  });
  if (notes.length === 0) return figure;
  return { data: figure.data, layout: { ...figure.layout, annotations: [...(figure.layout?.annotations ?? []), ...notes] as never } };
}

function rasterAsPlot(image: RasterImage): Figure {
  const source = `data:image/png;base64,${Buffer.from(image.png).toString('base64')}`;
  const hidden = { visible: false, showgrid: false };
  return {
    data: [{ type: 'image', source } as Plot],
    layout: { width: image.width + 40, height: image.height + 40, xaxis: hidden, yaxis: hidden, margin: { l: 20, r: 20, t: 20, b: 20 } },
  };
}

/**
 * Shows a figure or image: inline in the notebook (Vega-Lite, renders offline and untrusted), or in a plain
 * Node script through nodeplotlib's `plot()`, which serves a browser page as nodeplotlib users expect
 * (that page loads plotly.js from a CDN, so it needs internet; use `savefig` offline).
 */
export function show(target: Drawable): void {
  const sink = currentSink();
  if (sink && writeTo(sink.display, target)) return;
  mimeBundle(target); // same validation and errors as inline
  const figure = isRaster(target) ? rasterAsPlot(target) : forPlotly1(target);
  // Loaded on demand: nodeplotlib starts NestJS and takes ~0.3 s to import.
  const { plot } = createRequire(import.meta.url)('nodeplotlib') as typeof import('nodeplotlib');
  plot(figure.data as Parameters<typeof plot>[0], figure.layout as Parameters<typeof plot>[1]);
}
