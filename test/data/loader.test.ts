import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setSeed } from '../../src/random/index.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { DataLoader } from '../../src/data/loader.js';
import { toTensor } from '../../src/data/transforms.js';

// 25 images; image i has every pixel = i and label i % 10, so a batch tells which samples it holds.
const dataset = new ImageDataset({
  name: 'Tiny', images: Uint8Array.from({ length: 25 * 784 }, (_, p) => Math.floor(p / 784)),
  labels: Uint8Array.from({ length: 25 }, (_, i) => i % 10), split: 'Train', root: '.', source: 'cache', location: '.',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});

/** The sample indices of each batch of one epoch (read from the first pixel), disposing the tensors. */
function epochOrder(loader: DataLoader): number[][] {
  const batches: number[][] = [];
  for (const { images, labels } of loader) {
    const pixels = images.dataSync();
    const size = pixels.length / images.shape[0]!;
    batches.push(Array.from({ length: images.shape[0]! }, (_, k) => pixels[k * size]!));
    tf.dispose([images, labels]);
  }
  return batches;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DataLoader', () => {
  it('has batch size 1 and keeps the order by default, like torch', () => {
    const loader = new DataLoader(dataset);
    expect([loader.batchSize, loader.length]).toEqual([1, 25]);
    expect(epochOrder(loader).flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('yields float32 [B, 28, 28, 1] images and int32 [B] labels, with a short last batch', () => {
    const loader = new DataLoader(dataset, { batchSize: 10 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map((b) => b.images.shape)).toEqual([[10, 28, 28, 1], [10, 28, 28, 1], [5, 28, 28, 1]]);
    expect(batches.map((b) => b.labels.shape)).toEqual([[10], [10], [5]]);
    expect([batches[0]!.images.dtype, batches[0]!.labels.dtype]).toEqual(['float32', 'int32']);
    expect(Array.from(batches[2]!.labels.dataSync())).toEqual([0, 1, 2, 3, 4]);
    batches.forEach((b) => tf.dispose([b.images, b.labels]));
  });

  it('drops the short last batch with dropLast', () => {
    const loader = new DataLoader(dataset, { batchSize: 10, dropLast: true });
    expect(loader.length).toBe(2);
    expect(epochOrder(loader).map((batch) => batch.length)).toEqual([10, 10]);
  });

  it('flattens images to [B, 784] and one-hot encodes labels as float32 [B, 10]', () => {
    const [batch] = new DataLoader(dataset.withTransform(toTensor()), { batchSize: 4, flatten: true, oneHot: true });
    expect(batch!.images.shape).toEqual([4, 784]);
    expect(batch!.labels.shape).toEqual([4, 10]);
    expect(batch!.labels.dtype).toBe('float32');
    expect(Array.from(batch!.labels.dataSync().slice(10, 20))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(batch!.images.dataSync()[784 * 3]).toBeCloseTo(3 / 255, 6);
    tf.dispose([batch!.images, batch!.labels]);
  });

  it('shuffles every sample once per epoch, differently each epoch, reproducibly under setSeed', () => {
    setSeed(12);
    const loader = new DataLoader(dataset, { batchSize: 7, shuffle: true });
    const first = epochOrder(loader);
    const second = epochOrder(loader);
    expect(first.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(second.flat()).not.toEqual(first.flat());
    setSeed(12);
    const again = new DataLoader(dataset, { batchSize: 7, shuffle: true });
    expect(epochOrder(again)).toEqual(first);
    expect(epochOrder(again)).toEqual(second);
  });

  it('uses its own generator with the seed option, whatever the default generator does', () => {
    const a = new DataLoader(dataset, { batchSize: 5, shuffle: true, seed: 7 });
    setSeed(1);
    const orderA = epochOrder(a);
    const b = new DataLoader(dataset, { batchSize: 5, shuffle: true, seed: 7 });
    setSeed(2);
    expect(epochOrder(b)).toEqual(orderA);
    expect(epochOrder(new DataLoader(dataset, { batchSize: 5, shuffle: true, seed: 8 }))).not.toEqual(orderA);
  });

  it('leaks no tensor when the caller disposes every batch, even after leaving an epoch early', () => {
    const before = tf.memory().numTensors;
    const loader = new DataLoader(dataset, { batchSize: 4, shuffle: true, oneHot: true });
    for (const { images, labels } of loader) tf.dispose([images, labels]);
    for (const { images, labels } of loader) {
      tf.dispose([images, labels]);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => new DataLoader(dataset, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
  });
});
