// Tests of fit: real learning on a slice of MNIST, callbacks, History, memory, determinism, BatchNorm modes.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/index.js';
import { createLinear, createResNet } from '../../src/models/index.js';
import { setSeed } from '../../src/random/index.js';
import { crossEntropy, evaluate, fit, OneCycleLR, SGD, ShapeError, type BatchEvent, type FitCallbacks } from '../../src/train/index.js';
import { mnistSlice, quietBackend } from './fixtures.js';
import type { ImageDataset } from '../../src/data/index.js';

let train: ImageDataset;
let heldOut: ImageDataset;
beforeAll(async () => {
  await quietBackend();
  train = await mnistSlice('train', 2000);
  heldOut = await mnistSlice('test', 1000);
});

/** Seed 000's recipe on the slice (linear model, batch 100, shuffled, plain SGD) with lr 0.5 so 40 steps learn. */
async function trainLinear(seed: number, callbacks: FitCallbacks[] = [], epochs = 2) {
  setSeed(seed);
  const model = createLinear();
  const optimizer = new SGD(model, { lr: 0.5 });
  const loader = new DataLoader(train, { batchSize: 100, shuffle: true });
  const history = await fit(model, loader, { loss: crossEntropy, optimizer, epochs, callbacks, validLoader: new DataLoader(heldOut, { batchSize: 250 }) });
  return { model, history, optimizer };
}

describe('fit', () => {
  it('lets the event loop run during a long epoch, so progress output and timers are not held back', async () => {
    let timerFired = false;
    setTimeout(() => { timerFired = true; }, 0);
    let firstBatchAfterTimer = -1;
    let lastBatch = -1;
    const watch: FitCallbacks = {
      onBatchEnd: (event) => {
        lastBatch = event.batch;
        if (timerFired && firstBatchAfterTimer < 0) firstBatchAfterTimer = event.batch;
      },
    };
    setSeed(0);
    const model = createLinear();
    const loader = new DataLoader(train, { batchSize: 4 }); // 500 small steps: well over YIELD_EVERY_MS of work
    await fit(model, loader, { loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), epochs: 1, callbacks: [watch] });
    model.dispose();
    expect(firstBatchAfterTimer).toBeGreaterThanOrEqual(0);
    expect(firstBatchAfterTimer).toBeLessThan(lastBatch);
  });

  it('learns: the linear model reaches over 80% on held-out MNIST test images after 2 epochs on 2,000 images', async () => {
    const { model, history } = await trainLinear(0);
    const result = await evaluate(model, new DataLoader(heldOut, { batchSize: 250 }));
    expect(result.accuracy).toBeGreaterThan(0.8);
    expect(history.validAccuracy[1]).toBeCloseTo(result.accuracy, 10);
    expect(history.trainLoss[1]).toBeLessThan(history.trainLoss[0] as number);
    model.dispose();
  });

  it('reports through callbacks in order, one onBatchEnd per batch with the loss and the lr used', async () => {
    const calls: string[] = [];
    const events: BatchEvent[] = [];
    const callbacks: FitCallbacks = {
      onTrainBegin: (info) => void calls.push(`train ${info.epochs} ${info.batchesPerEpoch}`),
      onEpochBegin: (epoch) => void calls.push(`begin ${epoch}`),
      onBatchEnd: (event) => void events.push(event),
      onEpochEnd: (record) => void calls.push(`end ${record.epoch} ${record.batches} ${record.examples}`),
      onTrainEnd: (history) => void calls.push(`done ${history.epochs.length}`),
    };
    const { model, history } = await trainLinear(1, [callbacks]);
    expect(calls).toEqual(['train 2 20', 'begin 0', 'end 0 20 2000', 'begin 1', 'end 1 20 2000', 'done 2']);
    expect(events).toHaveLength(40);
    expect(events[39]).toMatchObject({ epoch: 1, batch: 19, batches: 20, lr: 0.5 });
    // The epoch's loss is the mean of its batch losses, as the tutorials compute it.
    const mean = events.slice(0, 20).reduce((a, e) => a + e.loss, 0) / 20;
    expect(history.trainLoss[0]).toBeCloseTo(mean, 5);
    expect(history.epochs[1]?.lastBatchLoss).toBe(events[39]?.loss);
    expect(history.epochs[0]?.seconds).toBeGreaterThan(0);
    model.dispose();
  });

  it('calls onBatchEnd every reportEvery batches and on the last batch of an epoch', async () => {
    setSeed(2);
    const model = createLinear();
    const seen: number[] = [];
    await fit(model, new DataLoader(train, { batchSize: 100 }), {
      loss: crossEntropy,
      optimizer: new SGD(model, { lr: 0.1 }),
      epochs: 1,
      reportEvery: 8,
      callbacks: { onBatchEnd: (e) => void seen.push(e.batch) },
    });
    expect(seen).toEqual([7, 15, 19]);
    model.dispose();
  });

  it('gives identical weights and losses for two runs with the same seed on the same backend', async () => {
    const a = await trainLinear(5, [], 1);
    const b = await trainLinear(5, [], 1);
    expect(b.history.trainLoss).toEqual(a.history.trainLoss);
    expect(b.model.getWeights()[0]?.dataSync()).toEqual(a.model.getWeights()[0]?.dataSync());
    a.model.dispose();
    b.model.dispose();
  });

  it('leaves no tensors behind besides the momentum buffers, and disposes every batch', async () => {
    setSeed(3);
    const model = createLinear();
    const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9 });
    const before = tf.memory().numTensors;
    await fit(model, new DataLoader(train, { batchSize: 500 }), { loss: crossEntropy, optimizer, epochs: 2, validLoader: new DataLoader(heldOut, { batchSize: 500 }) });
    expect(tf.memory().numTensors).toBe(before + 2); // kernel and bias buffers
    optimizer.dispose();
    model.dispose();
  });

  it('steps the scheduler once per batch', async () => {
    setSeed(4);
    const model = createLinear();
    const optimizer = new SGD(model, { lr: 0.1 });
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, epochs: 1, stepsPerEpoch: 4 });
    const lrs: number[] = [];
    await fit(model, new DataLoader(train, { batchSize: 500 }), { loss: crossEntropy, optimizer, epochs: 1, scheduler, callbacks: { onBatchEnd: (e) => void lrs.push(e.lr) } });
    expect(scheduler.lastStep).toBe(4);
    expect(lrs).toEqual([0, 1, 2, 3].map((s) => scheduler.valuesAt(s).lr));
    model.dispose();
  });

  it('says how to fix a loader whose image layout does not fit the model', async () => {
    const model = createLinear({ inputShape: [784] });
    const loader = new DataLoader(train, { batchSize: 100 });
    await expect(fit(model, loader, { loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), epochs: 1 })).rejects.toThrow(ShapeError);
    await expect(fit(model, loader, { loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1 }), epochs: 1 })).rejects.toThrow(/flatten: true/);
    model.dispose();
  });
});

describe('fit with BatchNorm', () => {
  it('trains the ResNet in training mode: running statistics move, and evaluation uses them', async () => {
    setSeed(6);
    const model = createResNet();
    const bn = model.getLayer('0.1');
    const meanBefore = Array.from(bn.getWeights()[2]?.dataSync() ?? []);
    const loader = new DataLoader(await mnistSlice('train', 1000), { batchSize: 100, shuffle: true });
    const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9 });
    const history = await fit(model, loader, { loss: crossEntropy, optimizer, epochs: 1 });
    const meanAfter = Array.from(bn.getWeights()[2]?.dataSync() ?? []);
    expect(meanAfter).not.toEqual(meanBefore);
    expect(meanBefore.every((m) => m === 0)).toBe(true);
    expect(history.trainAccuracy[0]).toBeGreaterThan(0.3);
    // Inference differs from training mode on the same batch: it normalizes with the running averages.
    const x = tf.tensor(train.gather([0, 1, 2, 3]).images, [4, 28, 28, 1]);
    const [inference, predicted] = tf.tidy(() => [model.apply(x, { training: false }) as tf.Tensor, model.predict(x) as tf.Tensor]);
    expect(tf.max(tf.abs(tf.sub(inference as tf.Tensor, predicted as tf.Tensor))).dataSync()[0]).toBe(0);
    optimizer.dispose();
    model.dispose();
  });
});
