import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { imshow } from '../../src/plot/image.js';
import { PlotDataError, PlotOptionError } from '../../src/plot/errors.js';
import { EXACT, mnistDigits } from './snapshot.js';

const { images, labels } = mnistDigits(12);
const predictions = [7, 2, 1, 0, 4, 1, 4, 9, 6, 9, 0, 6];

describe('imshow', () => {
  it('draws a titled grid of digits that matches the committed snapshot exactly', () => {
    const titles = predictions.map((p, i) => `pred ${p} / true ${labels[i]}`);
    const titleColors = predictions.map((p, i) => (p === labels[i] ? '#222' : '#d62728'));
    const grid = imshow(images, { titles, titleColors, cols: 6, scale: 4 });
    expect(Buffer.from(grid.png)).toMatchImageSnapshot({ ...EXACT, customSnapshotIdentifier: 'imshow-digit-grid' });
  });

  it('keeps every digit pixel exact: each becomes a solid scale x scale block of its grey level', () => {
    const scale = 3;
    const grid = imshow(images.slice(0, 2), { scale });
    const decoded = PNG.sync.read(Buffer.from(grid.png));
    expect([decoded.width, decoded.height]).toEqual([grid.width, grid.height]);
    images.slice(0, 2).forEach((image, i) => {
      const x0 = 6 + i * (28 * scale + 6);
      for (let p = 0; p < 784; p++) {
        const [r, c] = [Math.floor(p / 28), p % 28];
        for (const [dy, dx] of [[0, 0], [scale - 1, scale - 1]] as const) {
          const offset = ((6 + r * scale + dy) * grid.width + x0 + c * scale + dx) * 4;
          expect(decoded.data[offset]).toBe(image[p]);
        }
      }
    });
  });

  it('reads tensors [n, 28, 28, 1] and [28, 28, 1] without creating or disposing tensors', async () => {
    await tf.setBackend('cpu');
    const batch = tf.tensor4d(Float32Array.from(images.slice(0, 3).flatMap((im) => [...im].map((v) => v / 255))), [3, 28, 28, 1]);
    const single = tf.tensor3d(Float32Array.from(images[0]!, (v) => v / 255), [28, 28, 1]);
    const before = tf.memory().numTensors;
    const fromBatch = imshow(batch, { scale: 2 });
    const fromArrays = imshow(images.slice(0, 3), { scale: 2 });
    expect(Buffer.from(fromBatch.rgba).equals(Buffer.from(fromArrays.rgba))).toBe(true);
    expect(imshow(single).width).toBe(6 + 28 * 8 + 6);
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
    single.dispose();
  });

  it('scales float images outside 0..1 (normalised data) from their min to their max', () => {
    const normalised = Float32Array.from(images[0]!, (v) => (v / 255 - 0.1307) / 0.3081);
    const a = imshow(normalised, { scale: 1 });
    const b = imshow(images[0]!, { scale: 1 });
    expect(Buffer.from(a.rgba).equals(Buffer.from(b.rgba))).toBe(true);
  });

  it('rejects NaN pixels, non-square flat arrays, wrong tensor shapes and miscounted titles with typed errors', () => {
    const withNaN = Float32Array.from(images[0]!);
    withNaN[100] = NaN;
    expect(() => imshow(withNaN)).toThrow(PlotDataError);
    expect(() => imshow(withNaN)).toThrow(/pixel 100 is NaN/);
    expect(() => imshow(new Float32Array(780))).toThrow(/must be square/);
    expect(() => imshow({ shape: [2, 28, 28, 3], dataSync: () => new Float32Array(0) })).toThrow(/not an image/);
    expect(() => imshow(images.slice(0, 2), { titles: ['one'] })).toThrow(/1 titles for 2 images/);
    expect(() => imshow([])).toThrow(PlotDataError);
    expect(() => imshow(images[0]!, { scale: 0 })).toThrow(PlotOptionError);
  });
});
