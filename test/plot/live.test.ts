import { afterEach, describe, expect, it, vi } from 'vitest';
import { setDisplaySink, type DisplaySink } from '../../src/plot/display.js';
import { PlotOptionError } from '../../src/plot/errors.js';
import { liveChart } from '../../src/plot/live.js';
import { VEGA_LITE_MIME } from '../../src/plot/vegalite.js';

type Call = { handle: number; mime: string; data: Record<string, unknown> };

function recordingSink(): { sink: DisplaySink; calls: Call[]; opened: () => number } {
  const calls: Call[] = [];
  let handles = 0;
  const sink: DisplaySink = {
    display: { raw: () => { throw new Error('live charts must use newDisplay'); } },
    newDisplay: () => {
      const id = ++handles;
      return { raw: (mime, data) => void calls.push({ handle: id, mime, data: data as Record<string, unknown> }) };
    },
  };
  return { sink, calls, opened: () => handles };
}

/** Drives the callbacks the way src/train's fit calls them: one event object per batch, one record per epoch. */
function train(chart: ReturnType<typeof liveChart>, epochs: number, batches: number, lossAt = (step: number) => 1 / (1 + step)): void {
  let step = 0;
  chart.onTrainBegin({ epochs });
  for (let epoch = 0; epoch < epochs; epoch++) {
    chart.onEpochBegin(epoch);
    for (let batch = 0; batch < batches; batch++) chart.onBatchEnd({ epoch, batch, loss: lossAt(++step), lr: 0.01 });
    chart.onEpochEnd({
      epoch, trainLoss: lossAt(step), trainAccuracy: 0.8 + 0.05 * epoch, validLoss: 1.1 * lossAt(step),
      validAccuracy: 0.78 + 0.05 * epoch, seconds: 1.5,
    });
  }
  chart.onTrainEnd({});
}

afterEach(() => {
  setDisplaySink(undefined);
  vi.restoreAllMocks();
});

describe('liveChart', () => {
  it('opens one display and updates it in place at every epoch end', () => {
    const { sink, calls, opened } = recordingSink();
    setDisplaySink(sink);
    train(liveChart(), 3, 4); // epochs come from onTrainBegin
    expect(opened()).toBe(1);
    expect(calls).toHaveLength(4); // three epoch ends and the final redraw
    expect(new Set(calls.map((c) => c.handle))).toEqual(new Set([1]));
    expect(calls.every((c) => c.mime === VEGA_LITE_MIME)).toBe(true);
    const last = calls.at(-1)!.data;
    expect((last['title'] as { subtitle: string }).subtitle).toBe('epoch 3/3 · step 12 · loss 0.0769 · acc 0.9000 · valLoss 0.0846 · valAcc 0.8800 · 1.5 s');
    expect((last['concat'] as unknown[]).length).toBe(2);
  });

  it('also redraws every N batches when asked, and accepts tf.js-style (batch, logs) calls', () => {
    const { sink, calls } = recordingSink();
    setDisplaySink(sink);
    const chart = liveChart({ everyBatches: 2 });
    chart.onEpochBegin(0);
    for (let batch = 0; batch < 4; batch++) chart.onBatchEnd(batch, { loss: 1 - batch / 10 });
    expect(calls).toHaveLength(2);
    chart.onEpochEnd(0, { loss: 0.7, acc: 0.5, val_loss: 0.8, val_acc: 0.45 });
    const names = chart.figure().data.map((t) => t.name);
    expect(names).toEqual(['batch loss', 'train', 'validation', 'train', 'validation']);
  });

  it('skips NaN losses instead of stopping training, and says so in the progress line', () => {
    const { sink } = recordingSink();
    setDisplaySink(sink);
    const chart = liveChart();
    train(chart, 1, 3, (step) => (step === 2 ? NaN : 0.5));
    expect(chart.figure().data[0]!.y).toEqual([0.5, 0.5]);
    expect(chart.progressLine()).toMatch(/loss is NaN at step 2: training diverged\?/);
  });

  it('prints the progress line per epoch outside a notebook and draws nothing', () => {
    setDisplaySink(null);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    train(liveChart(), 2, 1);
    expect(log.mock.calls.map((c) => String(c[0]).slice(0, 9))).toEqual(['epoch 1/2', 'epoch 2/2']);
  });

  it('rejects a zero or fractional redraw interval', () => {
    expect(() => liveChart({ everyBatches: 0 })).toThrow(PlotOptionError);
    expect(() => liveChart({ everyBatches: 1.5 })).toThrow(/everyBatches is 1.5/);
  });
});
