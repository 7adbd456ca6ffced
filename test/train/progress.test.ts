// Tests of progress reporting: the in-place display line, its fallback, and the tutorials' epoch lines.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { batchLine, formatEpoch, logEpochs, progressBar, textBar, type EpochRecord, type TextDisplay } from '../../src/train/index.js';

const record: EpochRecord = {
  epoch: 0,
  trainLoss: 1.3052690227402808,
  lastBatchLoss: 0.77012,
  trainAccuracy: 0.9074519230769231,
  validLoss: 0.3,
  validAccuracy: 0.968030427631579,
  seconds: 12.34,
  batches: 117,
  examples: 59904,
};

describe('epoch lines', () => {
  it("reproduce the tutorials' prints", () => {
    expect(formatEpoch('trainingLoss', record, 5)).toBe('Epoch 0 - Training loss: 1.3052690227402808');
    expect(formatEpoch('bracket', record, 20)).toBe('Epoch [1/20], Loss: 0.7701');
    expect(formatEpoch('accuracy', record, 10)).toBe('Epoch 1\nEpoch training accuracy 0.9074519230769231\nEpoch valid accuracy 0.968030427631579');
    expect(formatEpoch('summary', record, 10)).toBe('loss 1.3053 - accuracy 0.9075 - valid loss 0.3000 - valid accuracy 0.9680 - 12.3 s');
  });

  it('logEpochs prints one line per epoch through the given print function', async () => {
    const lines: string[] = [];
    const callbacks = logEpochs('bracket', (line) => lines.push(line));
    await callbacks.onTrainBegin?.({ epochs: 20 });
    await callbacks.onEpochEnd?.(record);
    expect(lines).toEqual(['Epoch [1/20], Loss: 0.7701']);
  });
});

describe('progressBar', () => {
  it('draws a bar of fixed width', () => {
    expect(textBar(0, 4, 8)).toBe('[>       ] 0/4');
    expect(textBar(2, 4, 8)).toBe('[====>   ] 2/4');
    expect(textBar(4, 4, 8)).toBe('[========] 4/4');
    expect(textBar(7, undefined)).toBe('7 batches');
    expect(batchLine({ epoch: 0, batch: 1, batches: 4, loss: 0.123456, lr: 0.003 }, 5, 8)).toBe('Epoch 1/5 [====>   ] 2/4 loss 0.1235 lr 0.003');
  });

  it('updates ONE display in place, throttled, always drawing the last batch and the epoch summary', async () => {
    const texts: string[] = [];
    const display: TextDisplay = { text: (s) => void texts.push(s) };
    const callbacks = progressBar({ display, throttleMs: 60_000, width: 4 });
    await callbacks.onTrainBegin?.({ epochs: 1, batchesPerEpoch: 3 });
    for (let batch = 0; batch < 3; batch++) await callbacks.onBatchEnd?.({ epoch: 0, batch, batches: 3, loss: 1, lr: 0.1 });
    await callbacks.onEpochEnd?.(record);
    expect(texts).toEqual(['Epoch 1/1 [=>  ] 1/3 loss 1.0000 lr 0.1', 'Epoch 1/1 [====] 3/3 loss 1.0000 lr 0.1', `Epoch 1/1 ${formatEpoch('summary', record, 1)}`]);
  });

  it('goes quiet instead of failing when the display throws (tslab says "Not ready" outside the kernel)', async () => {
    let calls = 0;
    const callbacks = progressBar({
      display: {
        text: () => {
          calls++;
          throw new Error('Not ready');
        },
      },
    });
    await callbacks.onTrainBegin?.({ epochs: 1 });
    await callbacks.onBatchEnd?.({ epoch: 0, batch: 0, loss: 1, lr: 0.1 });
    await callbacks.onEpochEnd?.(record);
    expect(calls).toBe(1);
  });

  it("outside a notebook falls back to a terminal bar, which draws nothing when stderr is not a TTY", async () => {
    const callbacks = progressBar();
    expect(callbacks.onEpochBegin).toBeTypeOf('function');
    await callbacks.onTrainBegin?.({ epochs: 1, batchesPerEpoch: 2 });
    await callbacks.onEpochBegin?.(0);
    await callbacks.onBatchEnd?.({ epoch: 0, batch: 0, batches: 2, loss: 1, lr: 0.1 });
    await callbacks.onEpochEnd?.(record);
    expect(Object.keys(progressBar({ display: 'none' }))).toEqual([]);
  });

  it('in the tslab kernel, updates one tslab display in place (simulated by connecting tslab as the kernel does)', async () => {
    // tslab's display methods send through jupyter.lastWriteDisplayData, which the kernel sets when it starts.
    const jupyter = createRequire(import.meta.url)('tslab/dist/jupyter.js') as { lastWriteDisplayData: unknown };
    const sent: { text: string; id: string; update: boolean }[] = [];
    jupyter.lastWriteDisplayData = (data: { data: Record<string, string>; transient: { display_id: string } }, update: boolean) =>
      sent.push({ text: data.data['text/plain'] as string, id: data.transient.display_id, update });
    process.argv.push('--tslab-kernel-simulated');
    try {
      const callbacks = progressBar({ throttleMs: 0, width: 4 });
      await callbacks.onTrainBegin?.({ epochs: 1, batchesPerEpoch: 2 });
      await callbacks.onBatchEnd?.({ epoch: 0, batch: 0, batches: 2, loss: 1, lr: 0.1 });
      await callbacks.onBatchEnd?.({ epoch: 0, batch: 1, batches: 2, loss: 1, lr: 0.1 });
      await callbacks.onEpochEnd?.(record);
    } finally {
      process.argv.pop();
      jupyter.lastWriteDisplayData = null;
    }
    expect(sent.map((m) => m.text)).toEqual(['', 'Epoch 1/1 [==> ] 1/2 loss 1.0000 lr 0.1', 'Epoch 1/1 [====] 2/2 loss 1.0000 lr 0.1', `Epoch 1/1 ${formatEpoch('summary', record, 1)}`]);
    expect(new Set(sent.map((m) => m.id)).size).toBe(1);
    expect(sent.map((m) => Boolean(m.update))).toEqual([false, true, true, true]); // first a new display, then updates
  });
});
