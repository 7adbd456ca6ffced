// Progress reporting for fit: one bar updated in place (tslab display in notebooks, cli-progress in terminals) and epoch lines.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import type { BatchEvent, EpochRecord, FitCallbacks } from './fit.js';

/** The part of tslab's Display we use: `text` replaces the display's content in place. */
export interface TextDisplay {
  text(s: string): void;
}

/** Options of `progressBar`. */
export interface ProgressOptions {
  /**
   * Where the bar goes: 'auto' (a tslab display when running in the tslab kernel, else a terminal bar),
   * 'terminal', 'none', or a display you made, e.g. `tslab.newDisplay()`. Default 'auto'.
   */
  display?: 'auto' | 'terminal' | 'none' | TextDisplay;
  /** Least time between redraws of a notebook display, so a fast loop does not flood the kernel. Default 200 ms. */
  throttleMs?: number;
  /** Width of the bar in characters. Default 30. */
  width?: number;
}

/** "[=====>    ] 600/1875": a text bar for `done` of `total` (just the count when the total is unknown). */
export function textBar(done: number, total: number | undefined, width = 30): string {
  if (total === undefined || total <= 0) return `${done} batches`;
  const filled = Math.min(width, Math.floor((done / total) * width));
  const head = filled < width ? '>' : '';
  return `[${'='.repeat(filled)}${head}${' '.repeat(Math.max(0, width - filled - head.length))}] ${done}/${total}`;
}

/** One line describing the batch just done, e.g. "Epoch 1/5 [=====>   ] 600/1875 loss 0.2345 lr 0.003". */
export function batchLine(event: BatchEvent, epochs: number, width = 30): string {
  return `Epoch ${event.epoch + 1}/${epochs} ${textBar(event.batch + 1, event.batches, width)} loss ${event.loss.toFixed(4)} lr ${Number(event.lr.toPrecision(4))}`;
}

/**
 * tslab's display when this process is the tslab kernel; undefined elsewhere (its methods throw "Not ready" there).
 * The kernel's own copy of tslab is tried first (resolved from the kernel script): a second copy, say in this
 * project's node_modules, is not connected to the kernel and would throw "Not ready" too.
 */
function tslabDisplay(): TextDisplay | undefined {
  const script = process.argv[1];
  if (script === undefined || !process.argv.some((arg) => arg.includes('tslab'))) return undefined;
  const origins = [() => realpathSync(script), () => fileURLToPath(import.meta.url)];
  for (const origin of origins) {
    try {
      const tslab = createRequire(origin())('tslab') as { newDisplay(): TextDisplay };
      const display = tslab.newDisplay();
      display.text('');
      return display;
    } catch {
      // Not the kernel's copy, or not in a kernel: try the next origin.
    }
  }
  return undefined;
}

/** Callbacks drawing into a notebook display, throttled, falling back to nothing if the display stops working. */
function displayCallbacks(make: () => TextDisplay, throttleMs: number, width: number): FitCallbacks {
  let display: TextDisplay | undefined;
  let epochs = 0;
  let lastDraw = -Infinity;
  const draw = (line: string, force: boolean): void => {
    const now = performance.now();
    if (!display || (!force && now - lastDraw < throttleMs)) return;
    lastDraw = now;
    try {
      display.text(line);
    } catch {
      display = undefined;
    }
  };
  return {
    onTrainBegin: (info) => {
      epochs = info.epochs;
      display = make();
    },
    onBatchEnd: (event) => draw(batchLine(event, epochs, width), event.batches !== undefined && event.batch + 1 === event.batches),
    onEpochEnd: (record) => draw(`Epoch ${record.epoch + 1}/${epochs} ${formatEpoch('summary', record, epochs)}`, true),
  };
}

/** Callbacks drawing a cli-progress bar per epoch on stderr (drawn only on a TTY). */
function terminalCallbacks(width: number): FitCallbacks {
  let epochs = 0;
  let bar: cliProgress.SingleBar | undefined;
  return {
    onTrainBegin: (info) => {
      epochs = info.epochs;
    },
    onEpochBegin: () => {
      bar = new cliProgress.SingleBar(
        { format: 'Epoch {epoch} {bar} {value}/{total} | loss {loss} | lr {lr}', barsize: width, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
    },
    onBatchEnd: (event) => {
      const payload = { epoch: `${event.epoch + 1}/${epochs}`, loss: event.loss.toFixed(4), lr: Number(event.lr.toPrecision(4)) };
      if (bar && event.batch === 0) bar.start(event.batches ?? 0, 0, payload);
      bar?.update(event.batch + 1, payload);
    },
    onEpochEnd: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}

/**
 * A progress bar for `fit`: in a tslab notebook ONE line updated in place, in a terminal a cli-progress bar.
 * @example await fit(model, trainLoader, { ..., callbacks: [progressBar(), logEpochs('trainingLoss')] });
 */
export function progressBar(options: ProgressOptions = {}): FitCallbacks {
  const target = options.display ?? 'auto';
  const width = options.width ?? 30;
  const throttleMs = options.throttleMs ?? 200;
  if (target === 'none') return {};
  if (typeof target === 'object') return displayCallbacks(() => target, throttleMs, width);
  const probe = target === 'auto' ? tslabDisplay() : undefined;
  if (probe) {
    // The probe display serves the first run; later runs (often later cells) get a display of their own.
    let unused: TextDisplay | undefined = probe;
    const next = (): TextDisplay => {
      const display = unused ?? tslabDisplay() ?? probe;
      unused = undefined;
      return display;
    };
    return displayCallbacks(next, throttleMs, width);
  }
  return terminalCallbacks(width);
}

/**
 * How an epoch line looks:
 * - 'trainingLoss': "Epoch 0 - Training loss: 1.3052690227402808" (seed 002, epochs counted from 0)
 * - 'bracket': "Epoch [1/20], Loss: 0.7701" (seed 000: the epoch's LAST batch loss)
 * - 'accuracy': "Epoch 1\nEpoch training accuracy 0.9074...\nEpoch valid accuracy 0.9680..." (seed 003)
 * - 'summary': "loss 0.7870 - accuracy 0.7712 - valid loss 0.3010 - valid accuracy 0.9130 - 12.3 s"
 * - or a function of the record and the number of epochs.
 */
export type EpochFormat = 'trainingLoss' | 'bracket' | 'accuracy' | 'summary' | ((record: EpochRecord, epochs: number) => string);

/** Formats one epoch's record (see EpochFormat). */
export function formatEpoch(format: EpochFormat, record: EpochRecord, epochs: number): string {
  if (typeof format === 'function') return format(record, epochs);
  switch (format) {
    case 'trainingLoss':
      return `Epoch ${record.epoch} - Training loss: ${record.trainLoss}`;
    case 'bracket':
      return `Epoch [${record.epoch + 1}/${epochs}], Loss: ${record.lastBatchLoss.toFixed(4)}`;
    case 'accuracy':
      return [
        `Epoch ${record.epoch + 1}`,
        `Epoch training accuracy ${record.trainAccuracy}`,
        ...(record.validAccuracy !== undefined ? [`Epoch valid accuracy ${record.validAccuracy}`] : []),
      ].join('\n');
    case 'summary': {
      const parts = [`loss ${record.trainLoss.toFixed(4)}`, `accuracy ${record.trainAccuracy.toFixed(4)}`];
      if (record.validLoss !== undefined) parts.push(`valid loss ${record.validLoss.toFixed(4)}`);
      if (record.validAccuracy !== undefined) parts.push(`valid accuracy ${record.validAccuracy.toFixed(4)}`);
      parts.push(`${record.seconds.toFixed(1)} s`);
      return parts.join(' - ');
    }
  }
}

/**
 * Prints one line per epoch (default format 'summary'), like the tutorials' print() after each epoch.
 * @example logEpochs('trainingLoss')  // Epoch 0 - Training loss: 0.787...
 */
export function logEpochs(format: EpochFormat = 'summary', print: (line: string) => void = (line) => console.log(line)): FitCallbacks {
  let epochs = 0;
  return {
    onTrainBegin: (info) => {
      epochs = info.epochs;
    },
    onEpochEnd: (record) => print(formatEpoch(format, record, epochs)),
  };
}
