// Tests for our wasm gemm (src/backend/gemm): every layout against a float64 product, edge shapes, and its build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gemm, gemmKind } from '../../src/backend/gemm.js';
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
