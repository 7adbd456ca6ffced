// sgdTrain's graph iteration on native TensorFlow gives the eager iteration's losses, accuracies and weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { compileLeastSquaresStep } from '../../src/graph/least_squares.js';
import { sgdTrain } from '../../src/sgd/index.js';
import { IN_NATIVE_LANE, maxRelative, seeded } from '../native/fixtures.js';

/** Relative to the largest value: TF's Sum and MatMul round in another order inside a graph (none seen so far). */
const TOLERANCE = 1e-5;

function problem() {
  return tf.tidy(() => {
    const labels = tf.tensor1d(Array.from({ length: 50 }, (_, i) => (i * 7) % 10), 'int32');
    return {
      xTrain: seeded(1, [50, 784]).abs() as tf.Tensor2D,
      yTrain: tf.oneHot(labels, 10).toFloat() as tf.Tensor2D,
      xTest: seeded(2, [20, 784]).abs() as tf.Tensor2D,
      yTest: tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 10), 'int32'),
    };
  });
}

describe.skipIf(!IN_NATIVE_LANE)('sgdTrain with graph iterations on native TensorFlow', () => {
  beforeAll(async () => {
    await initBackend({ log: () => {} });
  });

  it('gives the eager losses, test accuracies and final weights, leaking no tensors', () => {
    const data = problem();
    const before = tf.memory().numTensors;
    const run = (graph: boolean) => sgdTrain({ ...data, iterations: 40, batchSize: 8, learningRate: 0.01, evalEvery: 3, seed: 4, graph });
    const eager = run(false);
    const graph = run(true);
    expect(graph.losses).toHaveLength(40);
    expect(maxRelative(graph.losses, eager.losses)).toBeLessThan(TOLERANCE);
    expect(graph.accuracyIterations).toEqual(eager.accuracyIterations);
    expect(graph.accuracies).toEqual(eager.accuracies);
    expect(maxRelative(graph.weight.dataSync(), eager.weight.dataSync())).toBeLessThan(TOLERANCE);
    tf.dispose([graph.weight, eager.weight]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(data));
  });

  it('starts from zero weights and deletes its session on dispose', () => {
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
});
