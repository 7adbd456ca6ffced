// Tests for our wasm gemm (src/backend/gemm): every layout against a float64 product, edge shapes, im2col / col2im /
// column sums against plain loops, and its build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnSums, gemm, gemmKind, windows, type WindowGeometry } from '../../src/backend/gemm.js';
import { initBackend } from '../../src/backend/index.js';
import { gemmIsCheaper } from '../../src/backend/mat_mul_orientation.js';
import { randomValues, relativeError } from './reference.js';

// float32 sums of up to 784 products in order, against float64 ones: ~1e-6 of their scale.
const RELATIVE_TOLERANCE = 1e-5;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

/** op(A)·op(B) (+ bias, relu) in float64: A is [m, k] (or [k, m] when transposeA), B [k, n] (or [n, k]). */
function reference(a: Float32Array, b: Float32Array, bias: Float32Array | undefined, relu: boolean, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias?.[j] ?? 0;
      for (let p = 0; p < k; p++) sum += (a[transposeA ? p * m + i : i * k + p] as number) * (b[transposeB ? j * k + p : p * n + j] as number);
      out[i * n + j] = relu ? Math.max(0, sum) : sum;
    }
  }
  return out;
}

interface Case {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  bias: boolean;
  relu: boolean;
}

/** Runs gemm on seeded operands; returns its output and the reference's. No tensors are left behind. */
function run({ m, k, n, transposeA, transposeB, bias, relu }: Case): { got: Float32Array; want: Float32Array } {
  const [a, b, c] = [randomValues(m * k, 1), randomValues(k * n, 2), randomValues(n, 3)];
  const tensors = [tf.tensor(a, transposeA ? [k, m] : [m, k]), tf.tensor(b, transposeB ? [n, k] : [k, n]), tf.tensor(c, [n]), tf.fill([m, n], NaN)] as const;
  const [ta, tb, tc, out] = tensors;
  gemm(tf.backend(), { a: ta, transposeA, b: tb, transposeB, ...(bias ? { bias: tc } : {}), relu, out });
  const got = out.dataSync() as Float32Array;
  tf.dispose([...tensors]);
  return { got, want: reference(a, b, bias ? c : undefined, relu, m, k, n, transposeA, transposeB) };
}

describe('gemm on wasm', () => {
  it('runs the relaxed-SIMD build in this runtime (Node 20 with the V8 flag we set, or 22 on)', () => {
    expect(gemmKind(tf.backend())).toBe('relaxed');
  });

  // Rows in blocks of four and one left over, panels of eight and a narrower last one, k in steps of four and not.
  const shapes: [number, number, number][] = [[1, 1, 1], [4, 4, 8], [5, 7, 3], [9, 13, 17], [32, 784, 128], [100, 784, 10], [33, 127, 13]];
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it.each(shapes)(`computes op(A)·op(B) for [%i, %i]·[., %i] (transposeA ${transposeA}, transposeB ${transposeB})`, (m, k, n) => {
      const { got, want } = run({ m, k, n, transposeA, transposeB, bias: false, relu: false });
      expect(got.some(Number.isNaN)).toBe(false); // every output written
      expect(relativeError(got, want)).toBeLessThan(RELATIVE_TOLERANCE);
    });
  }

  it.each(shapes)('adds the bias and applies relu as it stores, for [%i, %i]·[., %i]', (m, k, n) => {
    const { got, want } = run({ m, k, n, transposeA: false, transposeB: false, bias: true, relu: true });
    expect(relativeError(got, want)).toBeLessThan(RELATIVE_TOLERANCE);
    expect(got.every((v) => v >= 0)).toBe(true);
  });

  it('multiplies a 2x3 by a 3x2 matrix exactly (by hand)', () => {
    const [a, b, out] = [tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor2d([[1, 0], [0, 1], [1, 1]]), tf.zeros([2, 2])];
    gemm(tf.backend(), { a, transposeA: false, b, transposeB: false, relu: false, out });
    expect([...out.dataSync()]).toEqual([4, 5, 10, 11]);
    tf.dispose([a, b, out]);
  });

  it('rejects operands whose inner dimensions differ, naming both', () => {
    const [a, b, out] = [tf.zeros([2, 3]), tf.zeros([4, 2]), tf.zeros([2, 2])];
    expect(() => gemm(tf.backend(), { a, transposeA: false, b, transposeB: false, relu: false, out })).toThrow(/inner dimensions differ \(3 and 4\)/);
    tf.dispose([a, b, out]);
  });
});

/** Where window (i, j) of output pixel (b, oh, ow) reads: the NHWC offset of channel 0, or -1 in the padding. */
function pixelOf(g: WindowGeometry, b: number, oh: number, ow: number, i: number, j: number): number {
  const [ih, iw] = [oh * g.strideHeight + i - g.top, ow * g.strideWidth + j - g.left];
  if (ih < 0 || ih >= g.inHeight || iw < 0 || iw >= g.inWidth) return -1;
  return ((b * g.inHeight + ih) * g.inWidth + iw) * g.channels;
}

/** Visits every (row, window offset, image offset or -1) of im2col's matrix, in row order. */
function eachWindowValue(g: WindowGeometry, visit: (column: number, pixel: number) => void): void {
  let column = 0;
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outHeight; oh++)
      for (let ow = 0; ow < g.outWidth; ow++)
        for (let i = 0; i < g.filterHeight; i++)
          for (let j = 0; j < g.filterWidth; j++) {
            const pixel = pixelOf(g, b, oh, ow, i, j);
            for (let c = 0; c < g.channels; c++) visit(column++, pixel < 0 ? -1 : pixel + c);
          }
}

const geometry = (batch: number, size: [number, number], channels: number, filter: [number, number], stride: [number, number], pad: [number, number], out: [number, number]): WindowGeometry => ({
  batch, inHeight: size[0], inWidth: size[1], channels, filterHeight: filter[0], filterWidth: filter[1],
  strideHeight: stride[0], strideWidth: stride[1], top: pad[0], left: pad[1], outHeight: out[0], outWidth: out[1],
});

describe('im2col and col2im on wasm', () => {
  const geometries: [string, WindowGeometry][] = [
    ["seed 001's first conv (one channel, stride 2, padding 1)", geometry(2, [28, 28], 1, [3, 3], [2, 2], [1, 1], [14, 14])],
    ['a middle conv (16 channels, odd size)', geometry(3, [7, 7], 16, [3, 3], [2, 2], [1, 1], [4, 4])],
    ['a stride-1 ResBlock conv', geometry(2, [5, 6], 3, [3, 3], [1, 1], [1, 1], [5, 6])],
    ['rectangular filter and strides, no padding, unread last column', geometry(2, [9, 8], 2, [3, 2], [2, 3], [0, 0], [4, 3])],
    ['padding wider than the window reaches', geometry(1, [3, 3], 2, [5, 5], [1, 1], [2, 2], [3, 3])],
  ];

  it.each(geometries)('im2col copies every window of %s, zeros in the padding', (_, g) => {
    const imageSize = g.batch * g.inHeight * g.inWidth * g.channels;
    const image = randomValues(imageSize, 4);
    const rows = g.batch * g.outHeight * g.outWidth;
    const [x, cols] = [tf.tensor(image, [g.batch, g.inHeight, g.inWidth, g.channels]), tf.fill([rows, g.filterHeight * g.filterWidth * g.channels], NaN)];
    windows(tf.backend(), 'im2col', x, cols, g);
    const got = cols.dataSync();
    const want = new Float32Array(got.length);
    eachWindowValue(g, (column, pixel) => void (want[column] = pixel < 0 ? 0 : (image[pixel] as number)));
    expect(Array.from(got)).toEqual(Array.from(want));
    tf.dispose([x, cols]);
  });

  it.each(geometries)('col2im adds every window of %s back into its pixels (the transpose of im2col)', (_, g) => {
    const rows = g.batch * g.outHeight * g.outWidth;
    const values = randomValues(rows * g.filterHeight * g.filterWidth * g.channels, 5);
    const [cols, x] = [tf.tensor(values, [rows, g.filterHeight * g.filterWidth * g.channels]), tf.fill([g.batch, g.inHeight, g.inWidth, g.channels], NaN)];
    windows(tf.backend(), 'col2im', cols, x, g);
    const want = new Float32Array(g.batch * g.inHeight * g.inWidth * g.channels);
    eachWindowValue(g, (column, pixel) => {
      if (pixel >= 0) want[pixel] = (want[pixel] as number) + (values[column] as number);
    });
    // Same additions in the same order (float32 each time): the same bits.
    expect(Array.from(x.dataSync())).toEqual(Array.from(want));
    tf.dispose([cols, x]);
  });

  it('sums the columns of a matrix in row order', () => {
    for (const [rows, n] of [[1, 1], [7, 3], [200, 16], [33, 10]] as const) {
      const values = randomValues(rows * n, 6);
      const [x, out] = [tf.tensor(values, [rows, n]), tf.fill([n], NaN)];
      columnSums(tf.backend(), x, rows, n, out);
      const want = new Float32Array(n);
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) want[j] = (want[j] as number) + (values[r * n + j] as number);
      expect(Array.from(out.dataSync())).toEqual(Array.from(want));
      tf.dispose([x, out]);
    }
  });
});

describe('gemmIsCheaper', () => {
  it("picks ours where XNNPack would pack a large operand for a small product, XNNPack's where the product dominates", () => {
    for (const kind of ['simd', 'relaxed'] as const) {
      expect(gemmIsCheaper(kind, 32, 784, 128, false, false)).toBe(true); // MLP layer 1 forward at batch 32
      expect(gemmIsCheaper(kind, 100, 784, 100, false, false)).toBe(true); // hidden layer forward at batch 100
      // The weight gradients xᵀ·d of the first layers: XNNPack packs only d, and its products are faster.
      expect(gemmIsCheaper(kind, 784, 32, 128, true, false)).toBe(false);
      expect(gemmIsCheaper(kind, 784, 100, 100, true, false)).toBe(false);
      expect(gemmIsCheaper(kind, 512, 512, 512, false, false)).toBe(false); // a large square product
    }
  });
});

const clang = ['clang-16'].find((name) => spawnSync(name, ['--version']).status === 0);
if (clang === undefined) console.log('test/backend/gemm: build check skipped, clang-16 not installed (apt-get install clang-16 lld-16).');

describe.skipIf(clang === undefined)('the committed wasm module', () => {
  it('is the build of gemm.c (scripts/wasm/build.sh --check; clang 16 and wasm-ld needed)', () => {
    const script = fileURLToPath(new URL('../../scripts/wasm/build.sh', import.meta.url));
    const result = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
