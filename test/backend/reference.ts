// Shared by the wasm kernel tests: seeded inputs, running one computation on a backend, and comparing results.
import * as tf from '@tensorflow/tfjs';
import { createGenerator } from '../../src/random/index.js';

/** Uniform values in [-1, 1) from the course's seeded generator: the same fixture on every backend and machine. */
export function randomValues(count: number, seed: number): Float32Array {
  const rng = createGenerator(seed);
  return Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
}

/** A float32 tensor of `shape` filled with randomValues(…, seed). */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/** Runs `compute` under tf.tidy on `backend` and reads the results back as plain arrays. */
export async function onBackend(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<{ shape: number[]; values: Float32Array | Int32Array | Uint8Array }[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => compute().map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array | Int32Array | Uint8Array })));
}

/** Largest absolute difference as a fraction of the largest reference entry. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxWant = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((got[i] ?? NaN) - (want[i] ?? NaN)));
    maxWant = Math.max(maxWant, Math.abs(want[i] ?? 0));
  }
  return maxDiff / Math.max(maxWant, 1e-12);
}
