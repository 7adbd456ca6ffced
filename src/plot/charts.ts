// Chart helpers the notebooks use: lines, training curves side by side, bars, confusion matrix, subplots.
import { BLUES, TRACE_COLORS } from './colors.js';
import { PlotDataError, PlotOptionError } from './errors.js';
import type { Annotation, Figure, Layout, Plot, TensorLike } from './types.js';
import { finiteNumbers, requireNonEmpty, requireSameLength } from './validate.js';

/** One line: `y` values, optional `x` (default 0, 1, 2, ...). */
export interface LineSeries {
  y: ArrayLike<number>;
  x?: ArrayLike<number>;
  name?: string;
  dash?: 'solid' | 'dash' | 'dot';
  color?: string;
  /** Line width in pixels. Default 2. */
  width?: number;
  /** Draw a dot at each point; default for series of at most 20 points. */
  markers?: boolean;
}

export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Fixed y-axis range, e.g. [0, 1] for accuracies. */
  yRange?: [number, number];
  /** Figure size in CSS pixels. */
  width?: number;
  height?: number;
}

function baseLayout(options: ChartOptions): Layout {
  const layout: Layout = { xaxis: { title: options.xTitle }, yaxis: { title: options.yTitle } };
  if (options.yRange) layout.yaxis = { ...layout.yaxis, range: options.yRange };
  if (options.title !== undefined) layout.title = options.title;
  if (options.width !== undefined) layout.width = options.width;
  if (options.height !== undefined) layout.height = options.height;
  return layout;
}

/**
 * Lines of one or more series in one panel.
 * @example lineChart([{ y: losses, name: 'train' }, { y: valLosses, name: 'val', dash: 'dash' }], { xTitle: 'epoch', yTitle: 'loss' })
 */
export function lineChart(series: LineSeries | readonly LineSeries[], options: ChartOptions = {}): Figure {
  const list = Array.isArray(series) ? (series as readonly LineSeries[]) : [series as LineSeries];
  if (list.length === 0) throw new PlotDataError('empty', 'lineChart got no series; expected at least one { y: [...] }.');
  const data = list.map((s, i): Plot => {
    const what = `series ${i}${s.name ? ` ("${s.name}")` : ''}`;
    requireNonEmpty(s.y, `${what} y`);
    const y = finiteNumbers(s.y, `${what} y`);
    const x = s.x === undefined ? undefined : finiteNumbers(s.x, `${what} x`);
    if (x) requireSameLength(x, y, `${what} x`, 'y value');
    const markers = s.markers ?? y.length <= 20;
    return {
      type: 'scatter', y, ...(x ? { x } : {}), mode: markers ? 'lines+markers' : 'lines',
      ...(s.name === undefined ? {} : { name: s.name }),
      line: { dash: s.dash ?? 'solid', ...(s.color ? { color: s.color } : {}), ...(s.width ? { width: s.width } : {}) },
    };
  });
  return { data, layout: baseLayout(options) };
}

/**
 * Metrics of one training run, one value per epoch (or per logged iteration). src/train's `History` fits as is
 * (`trainLoss`, `trainAccuracy`, `validLoss`, `validAccuracy`); the short names `loss`, `acc`, ... work too.
 */
export interface CurveHistory {
  loss?: ArrayLike<number>;
  acc?: ArrayLike<number>;
  valLoss?: ArrayLike<number>;
  valAcc?: ArrayLike<number>;
  trainLoss?: ArrayLike<number>;
  trainAccuracy?: ArrayLike<number>;
  validLoss?: ArrayLike<number>;
  validAccuracy?: ArrayLike<number>;
  /** x values (epochs or iterations); default 1, 2, 3, ... */
  x?: ArrayLike<number>;
}

const CURVE_KEYS = {
  train: { loss: ['loss', 'trainLoss'], acc: ['acc', 'trainAccuracy'] },
  val: { loss: ['valLoss', 'validLoss'], acc: ['valAcc', 'validAccuracy'] },
} as const;

/** The first non-empty column among `keys` (src/train leaves validation arrays empty without a validation set). */
function column(history: CurveHistory, keys: readonly (keyof CurveHistory)[]): ArrayLike<number> | undefined {
  return keys.map((key) => history[key]).find((values) => values !== undefined && values.length > 0);
}

export interface CurvesOptions {
  /** Super-title over both panels, as `plt.suptitle`. */
  title?: string;
  /** Default 'epoch'. */
  xTitle?: string;
  width?: number;
  height?: number;
}

function runSeries(runs: Record<string, CurveHistory>, metric: 'loss' | 'acc'): LineSeries[] {
  const names = Object.keys(runs);
  const single = names.length === 1;
  return names.flatMap((run, i) => {
    const h = runs[run]!;
    const color = TRACE_COLORS[i % TRACE_COLORS.length]!;
    const x = (values: ArrayLike<number>): ArrayLike<number> => h.x ?? Array.from({ length: values.length }, (_, k) => k + 1);
    const train = column(h, CURVE_KEYS.train[metric]);
    const val = column(h, CURVE_KEYS.val[metric]);
    const out: LineSeries[] = [];
    // One run: colour tells train from validation; several runs: colour is the run, dashes mark validation.
    if (train) out.push({ y: train, x: x(train), name: single ? 'train' : run, color });
    if (val) out.push({ y: val, x: x(val), name: single ? 'validation' : `${run} (val)`, dash: 'dash', color: single ? TRACE_COLORS[1] : color });
    return out;
  });
}

/**
 * Loss and accuracy side by side with a super-title, as in the tutorials (`plt.subplot(121)`, `(122)`, `suptitle`).
 * Pass one history (e.g. what `fit` returns) or several named runs (`{ 'batch 10': h10, 'batch 100': h100 }`);
 * panels without data are left out.
 */
export function trainingCurves(runs: CurveHistory | Record<string, CurveHistory>, options: CurvesOptions = {}): Figure {
  const keys = [...Object.values(CURVE_KEYS.train), ...Object.values(CURVE_KEYS.val)].flat();
  const isHistory = keys.some((key) => key in runs);
  const named = isHistory ? { run: runs as CurveHistory } : (runs as Record<string, CurveHistory>);
  const xTitle = options.xTitle ?? 'epoch';
  const panels: Figure[] = [];
  const loss = runSeries(named, 'loss');
  const acc = runSeries(named, 'acc');
  if (loss.length > 0) panels.push(lineChart(loss, { title: `Loss vs. ${xTitle}`, xTitle, yTitle: 'loss' }));
  if (acc.length > 0) panels.push(lineChart(acc, { title: `Accuracy vs. ${xTitle}`, xTitle, yTitle: 'accuracy' }));
  if (panels.length === 0) throw new PlotDataError('empty', 'trainingCurves got no loss, acc, valLoss or valAcc values (or trainLoss, ...); pass at least one of them.');
  return subplots(panels, { title: options.title, width: options.width, height: options.height });
}

/**
 * Puts single-panel figures side by side (default one row), each keeping its title as subplot title,
 * with an optional super-title. Legend entries repeated across panels are listed once.
 */
export function subplots(panels: readonly Figure[], options: { title?: string; cols?: number; width?: number; height?: number } = {}): Figure {
  if (panels.length === 0) throw new PlotDataError('empty', 'subplots got no panels; pass at least one figure.');
  const cols = options.cols ?? panels.length;
  if (!(Number.isInteger(cols) && cols >= 1)) throw new PlotOptionError(`cols is ${cols}; expected a whole number of at least 1.`);
  const layout: Layout = { grid: { rows: Math.ceil(panels.length / cols), columns: cols, pattern: 'independent' } };
  const annotations: Annotation[] = [];
  const seen = new Set<string>();
  const data = panels.flatMap((panel, i) => {
    const n = i + 1;
    const suffix = n === 1 ? '' : String(n);
    const source = panel.layout ?? {};
    Object.assign(layout, { [`xaxis${suffix}`]: source.xaxis ?? {}, [`yaxis${suffix}`]: source.yaxis ?? {} });
    const title = typeof source.title === 'string' ? source.title : source.title?.text;
    if (title !== undefined) {
      annotations.push({ text: title, xref: `x${suffix} domain` as Annotation['xref'], yref: `y${suffix} domain` as Annotation['yref'],
        x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom', showarrow: false });
    }
    return panel.data.map((trace): Plot => {
      const repeated = trace.name !== undefined && seen.has(trace.name);
      if (trace.name !== undefined) seen.add(trace.name);
      return { ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}`, ...(repeated ? { showlegend: false } : {}) };
    });
  });
  if (annotations.length > 0) layout.annotations = annotations;
  if (options.title !== undefined) layout.title = options.title;
  if (options.width !== undefined) layout.width = options.width;
  if (options.height !== undefined) layout.height = options.height;
  return { data, layout };
}

export interface BarOptions extends ChartOptions {
  /** Decimals of the value printed above each bar; `null` prints none. Default 3. */
  decimals?: number | null;
}

/**
 * One bar per label, values printed on top (e.g. test accuracy vs. training-set size).
 * @example barChart(['100', '500', '1000', '10000'], [0.70, 0.79, 0.83, 0.85], { xTitle: 'training samples', yTitle: 'test accuracy', yRange: [0, 1] })
 */
export function barChart(labels: ArrayLike<string | number>, values: ArrayLike<number>, options: BarOptions = {}): Figure {
  requireNonEmpty(values, 'bar values');
  const y = finiteNumbers(values, 'bar values');
  requireSameLength(labels, y, 'bar labels', 'value');
  const decimals = options.decimals === undefined ? 3 : options.decimals;
  const trace: Plot = { type: 'bar', x: Array.from(labels, String), y, marker: { color: TRACE_COLORS[0] } };
  if (decimals !== null) trace.text = y.map((v) => v.toFixed(decimals));
  return { data: [trace], layout: { ...baseLayout(options), xaxis: { title: options.xTitle, type: 'category' } } };
}

export interface ConfusionOptions {
  /** Class names for both axes; default 0..n-1. */
  labels?: readonly string[];
  title?: string;
  width?: number;
  height?: number;
}

function matrixRows(matrix: readonly (readonly number[])[] | TensorLike): number[][] {
  if (!Array.isArray(matrix)) {
    const tensor = matrix as TensorLike;
    const [rows, cols] = tensor.shape;
    if (tensor.shape.length !== 2 || rows === undefined || cols === undefined) {
      throw new PlotDataError('shape', `confusion matrix tensor has shape [${tensor.shape.join(', ')}]; expected [classes, classes].`);
    }
    const values = Array.from(tensor.dataSync());
    return Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols));
  }
  return (matrix as readonly (readonly number[])[]).map((row) => [...row]);
}

/**
 * Heatmap of a confusion matrix, rows = true class (top to bottom), columns = predicted class, counts in cells.
 * Accepts `number[][]` or a 2-D tensor such as `tf.math.confusionMatrix(labels, predictions, 10)` (not disposed).
 */
export function confusionMatrix(matrix: readonly (readonly number[])[] | TensorLike, options: ConfusionOptions = {}): Figure {
  const rows = matrixRows(matrix);
  requireNonEmpty(rows, 'confusion matrix');
  rows.forEach((row, r) => {
    requireSameLength(row, rows, `confusion matrix row ${r}`, 'row (the matrix must be square)');
    finiteNumbers(row, `confusion matrix row ${r}`);
  });
  const labels = options.labels ? [...options.labels] : rows.map((_, i) => String(i));
  requireSameLength(labels, rows, 'labels', 'class');
  const size = Math.max(320, 44 * rows.length + 120);
  return {
    data: [{ type: 'heatmap', z: rows, x: labels, y: labels, colorscale: BLUES, texttemplate: '%{z}' }],
    layout: {
      title: options.title ?? 'Confusion matrix',
      xaxis: { title: 'predicted', side: 'bottom' },
      yaxis: { title: 'true', autorange: 'reversed' },
      width: options.width ?? size + 60,
      height: options.height ?? size,
    },
  };
}
