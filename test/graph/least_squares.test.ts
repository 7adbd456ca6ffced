// sgdTrain's compiled iteration (a graph on native TensorFlow, one pass on wasm) gives the eager one's losses, accuracies and weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { compileLeastSquaresStep } from '../../src/graph/least_squares.js';
import { sgdTrain } from '../../src/sgd/index.js';
import { IN_NATIVE_LANE, maxRelative, seeded } from '../native/fixtures.js';

/** Relative to the largest value: TF's Sum and MatMul round in another order inside a graph (none seen so far). */
const TOLERANCE = 1e-5;

/** 50 training rows and `testRows` test rows of seeded pixels; the caller disposes them. */
function problem(testRows = 20) {
  return tf.tidy(() => {
    const labels = tf.tensor1d(Array.from({ length: 50 }, (_, i) => (i * 7) % 10), 'int32');
    return {
      xTrain: seeded(1, [50, 784]).abs() as tf.Tensor2D,
      yTrain: tf.oneHot(labels, 10).toFloat() as tf.Tensor2D,
      xTest: seeded(2, [testRows, 784]).abs() as tf.Tensor2D,
      yTest: tf.tensor1d(Array.from({ length: testRows }, (_, i) => i % 10), 'int32'),
    };
  });
}

/** The checks for one backend's compiled iteration (the backend starts in beforeAll). */
function compiledIterationTests(backend: 'native' | 'wasm', tolerance: number): void {
  beforeAll(async () => {
    await initBackend({ ...(backend === 'wasm' ? { backend: 'wasm' as const } : {}), log: () => {} });
  });

  // 20 test rows, and 1,000: on wasm the test product then goes to XNNPack, which keeps a packed copy of W.
  for (const testRows of [20, 1000]) {
    it(`gives the eager losses, test accuracies and final weights, leaking no tensors (${testRows} test rows)`, () => {
      const data = problem(testRows);
      const before = tf.memory().numTensors;
      const run = (graph: boolean) => sgdTrain({ ...data, iterations: 40, batchSize: 8, learningRate: 0.01, evalEvery: 3, seed: 4, graph });
      const eager = run(false);
      const compiled = run(true);
      expect(compiled.graph).toBe(true);
      expect(eager.graph).toBe(false);
      expect(compiled.losses).toHaveLength(40);
      expect(maxRelative(compiled.losses, eager.losses)).toBeLessThan(tolerance);
      expect(compiled.accuracyIterations).toEqual(eager.accuracyIterations);
      expect(compiled.accuracies).toEqual(eager.accuracies);
      if (testRows === 1000) expect(new Set(compiled.accuracies).size).toBeGreaterThan(1); // the test set sees the weights change
      expect(maxRelative(compiled.weight.dataSync(), eager.weight.dataSync())).toBeLessThan(tolerance);
      tf.dispose([compiled.weight, eager.weight]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(data));
    });
  }


  it('starts from zero weights and frees them on dispose', () => {
    const data = problem();
    const step = compileLeastSquaresStep(data, 0.1);
    expect(step).toBeDefined();
    const weight = step?.weight() as tf.Tensor2D;
    expect(weight.shape).toEqual([784, 10]);
    expect(tf.max(tf.abs(weight)).dataSync()[0]).toBe(0);
    step?.dispose();
    expect(() => step?.weight()).toThrow(/disposed/);
    tf.dispose([weight, ...Object.values(data)]);
  });
}

describe.skipIf(!IN_NATIVE_LANE)('sgdTrain with graph iterations on native TensorFlow', () => compiledIterationTests('native', TOLERANCE));

// Our gemm and float64 loss sums round differently from the eager ops (XNNPack, float32 Sum): ~1e-6 of the scale.
describe.skipIf(IN_NATIVE_LANE)('sgdTrain with compiled iterations on wasm', () => compiledIterationTests('wasm', 1e-5));
