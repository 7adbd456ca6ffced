// Live training chart: a fit-callback object that keeps one notebook output updated in place.
import { subplots, lineChart, type LineSeries } from './charts.js';
import { TRACE_COLORS } from './colors.js';
import { currentSink, writeTo, type DisplayHandle } from './display.js';
import { PlotOptionError } from './errors.js';
import type { Figure } from './types.js';

/** Per-batch logs: src/train passes `{ epoch, batch, loss, lr }`; tf.js passes `(batch, { loss, acc })`. */
export interface BatchLogs {
  epoch?: number;
  batch?: number;
  loss?: number;
  lr?: number;
}

/**
 * Per-epoch numbers under any of the names in use: src/train's record (`trainLoss`, `trainAccuracy`,
 * `validLoss`, `validAccuracy`, `seconds`), the short `loss`/`acc`/`valLoss`/`valAcc`, or tf.js's `val_loss`/`val_acc`.
 * No index signature, so records typed as plain interfaces are accepted.
 */
export interface EpochLogs {
  epoch?: number;
  seconds?: number;
  loss?: number;
  acc?: number;
  accuracy?: number;
  valLoss?: number;
  valAcc?: number;
  trainLoss?: number;
  trainAccuracy?: number;
  validLoss?: number;
  validAccuracy?: number;
  val_loss?: number;
  val_acc?: number;
  val_accuracy?: number;
}

/**
 * The callbacks a training loop calls. Structural, so src/plot imports nothing from src/train; it accepts both
 * src/train's `fit` (`onBatchEnd(event)`, `onEpochEnd(record)`) and tf.js `model.fit` (`onEpochEnd(epoch, logs)`).
 */
export interface TrainingCallbacks {
  onTrainBegin(info?: { epochs?: number }): void;
  onEpochBegin(epoch: number): void;
  onBatchEnd(batchOrLogs: number | BatchLogs, logs?: BatchLogs): void;
  onEpochEnd(epochOrRecord: number | EpochLogs, logs?: EpochLogs): void;
  onTrainEnd(history?: unknown): void;
}

export interface LiveChartOptions {
  /** Title over the chart. Default 'Training'. */
  title?: string;
  /** Total epochs, for the progress line ("epoch 3/10"). */
  epochs?: number;
  /** Redraw every N batches as well as at each epoch end. Default: only at epoch ends. */
  everyBatches?: number;
  /** Show the progress line (under the title, or printed outside a notebook). Default true. */
  progress?: boolean;
  /** Most points drawn per series; longer series are thinned evenly (the data is kept). Default 500. */
  maxPoints?: number;
}

/** A fit-callback object plus access to what it has drawn. */
export interface LiveChart extends TrainingCallbacks {
  /** The chart as a Figure (e.g. for `savefig` after training). */
  figure(): Figure;
  /** The latest progress line, e.g. `epoch 2/5 · step 938 · loss 0.2113 · acc 0.9381 · 4.2 s`. */
  progressLine(): string;
}

interface Point { x: number; y: number }

const METRIC_KEYS: Record<'loss' | 'acc' | 'valLoss' | 'valAcc', string[]> = {
  loss: ['loss', 'trainLoss'],
  acc: ['acc', 'accuracy', 'trainAccuracy'],
  valLoss: ['valLoss', 'validLoss', 'val_loss'],
  valAcc: ['valAcc', 'validAccuracy', 'val_acc', 'val_accuracy'],
};
type Metric = keyof typeof METRIC_KEYS;

function metric(logs: BatchLogs | EpochLogs | undefined, name: Metric): number | undefined {
  const values = logs as Record<string, unknown> | undefined;
  for (const key of METRIC_KEYS[name]) if (typeof values?.[key] === 'number') return values[key] as number;
  return undefined;
}

function thin(points: Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points;
  const stride = Math.ceil(points.length / maxPoints);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

/**
 * Loss and accuracy curves that redraw in place while `fit` runs: the first redraw opens one output
 * (`tslab.newDisplay()`), later ones update it. Non-finite values are not drawn but reported in the progress
 * line, so a diverging run keeps training and shows why. Outside a notebook the progress line is printed per epoch.
 * @example await fit(model, data, { epochs: 5, callbacks: liveChart({ epochs: 5, everyBatches: 50 }) })
 */
export function liveChart(options: LiveChartOptions = {}): LiveChart {
  const { everyBatches, maxPoints = 500, progress = true, title = 'Training' } = options;
  let epochs = options.epochs;
  if (everyBatches !== undefined && !(Number.isInteger(everyBatches) && everyBatches >= 1)) {
    throw new PlotOptionError(`everyBatches is ${everyBatches}; expected a whole number of at least 1.`);
  }
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new PlotOptionError(`maxPoints is ${maxPoints}; expected a whole number of at least 2.`);
  const batchLoss: Point[] = [];
  const series: Record<Metric, Point[]> = { loss: [], acc: [], valLoss: [], valAcc: [] };
  let step = 0;
  let epoch = 0;
  let line = '';
  let warning = '';
  let started = performance.now();
  let handle: DisplayHandle | undefined;

  const x = (): number => (step > 0 ? step : epoch + 1);
  const record = (points: Point[], value: number | undefined, name: string): void => {
    if (value === undefined) return;
    if (Number.isFinite(value)) points.push({ x: x(), y: value });
    else warning = `${name} is ${value} at ${step > 0 ? `step ${step}` : `epoch ${epoch + 1}`}: training diverged?`;
  };

  const figure = (): Figure => {
    const xTitle = step > 0 ? 'step' : 'epoch';
    const lines = (entries: Array<[Point[], string, LineSeries['dash'], string]>): LineSeries[] => entries
      .filter(([points]) => points.length > 0)
      .map(([points, name, dash, color]) => {
        const shown = thin(points, maxPoints);
        const perBatch = name === 'batch loss';
        return { x: shown.map((p) => p.x), y: shown.map((p) => p.y), name, dash, color, width: perBatch ? 1 : 2, markers: shown.length <= 20 && !perBatch };
      });
    const loss = lines([[batchLoss, 'batch loss', 'solid', '#b8c7d9'], [series.loss, 'train', 'solid', TRACE_COLORS[0]], [series.valLoss, 'validation', 'dash', TRACE_COLORS[1]]]);
    const acc = lines([[series.acc, 'train', 'solid', TRACE_COLORS[0]], [series.valAcc, 'validation', 'dash', TRACE_COLORS[1]]]);
    const panels = [];
    if (loss.length > 0) panels.push(lineChart(loss, { title: 'Loss', xTitle, yTitle: 'loss' }));
    if (acc.length > 0) panels.push(lineChart(acc, { title: 'Accuracy', xTitle, yTitle: 'accuracy' }));
    const joined = subplots(panels, { title });
    // Default width (two panels fit a JupyterLab output area); a little shorter than trainingCurves.
    return { data: joined.data, layout: { ...joined.layout, height: 340 } };
  };

  const redraw = (): void => {
    if (batchLoss.length + series.loss.length + series.acc.length + series.valLoss.length + series.valAcc.length === 0) return;
    const sink = currentSink();
    if (!sink) return;
    handle ??= sink.newDisplay();
    const chart = figure();
    if (progress) chart.layout = { ...chart.layout, title: `${title}<br>${[line, warning].filter(Boolean).join(' · ')}` };
    writeTo(handle, chart);
  };

  const describe = (logs: EpochLogs | undefined, seconds: number): string => {
    const parts = [`epoch ${epoch + 1}${epochs ? `/${epochs}` : ''}`];
    if (step > 0) parts.push(`step ${step}`);
    for (const name of ['loss', 'acc', 'valLoss', 'valAcc'] as const) {
      const value = metric(logs, name);
      if (value !== undefined) parts.push(`${name} ${Number.isFinite(value) ? value.toFixed(4) : value}`);
    }
    parts.push(`${seconds.toFixed(1)} s`);
    return parts.join(' · ');
  };

  return {
    onTrainBegin(info) {
      epochs ??= info?.epochs;
    },
    onEpochBegin(e) {
      epoch = e;
      started = performance.now();
    },
    onBatchEnd(batchOrLogs, logs) {
      const merged: BatchLogs = typeof batchOrLogs === 'number' ? { ...logs, batch: batchOrLogs } : batchOrLogs;
      if (typeof merged.epoch === 'number') epoch = merged.epoch;
      step += 1;
      record(batchLoss, metric(merged, 'loss'), 'loss');
      if (everyBatches !== undefined && step % everyBatches === 0) {
        line = `epoch ${epoch + 1}${epochs ? `/${epochs}` : ''} · step ${step} · batch loss ${metric(merged, 'loss')?.toFixed(4) ?? '?'}`;
        redraw();
      }
    },
    onEpochEnd(epochOrRecord, logs) {
      const merged: EpochLogs = typeof epochOrRecord === 'number' ? { ...logs, epoch: epochOrRecord } : epochOrRecord;
      if (typeof merged.epoch === 'number') epoch = merged.epoch;
      for (const name of ['loss', 'acc', 'valLoss', 'valAcc'] as const) record(series[name], metric(merged, name), name);
      const seconds = typeof merged.seconds === 'number' ? merged.seconds : (performance.now() - started) / 1000;
      line = describe(merged, seconds);
      if (!currentSink() && progress) console.log([line, warning].filter(Boolean).join(' · '));
      redraw();
    },
    onTrainEnd() {
      redraw();
    },
    figure,
    progressLine: () => [line, warning].filter(Boolean).join(' · '),
  };
}

/** Same as `liveChart`; the name reads better where the notebook talks about loss and accuracy curves. */
export const liveCurves = liveChart;
