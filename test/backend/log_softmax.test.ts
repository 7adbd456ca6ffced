// Tests for the log-softmax kernel on wasm: tf.logSoftmax's values and gradient on cpu, and no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { LOG_SOFTMAX } from '../../src/backend/log_softmax.js';
import { onBackend, randomValues, relativeError } from './reference.js';

// float64 sums over 10 classes against cpu's float32 ops: ~1e-7 of the scale.
const TOLERANCE = 1e-6;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

describe('LOG_SOFTMAX on wasm', () => {
  const logits = (): tf.Tensor => tf.tensor2d(randomValues(32 * 10, 1).map((v) => v * 20), [32, 10]);
  // A weighted sum, so that the gradient is not the trivial one of sum(logSoftmax).
  const weights = (): tf.Tensor => tf.tensor2d(randomValues(32 * 10, 2), [32, 10]);

  it('gives tf.logSoftmax\'s values and gradient on the cpu backend', async () => {
    const compute = (op: (x: tf.Tensor) => tf.Tensor) => (): tf.Tensor[] => {
      const w = weights();
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(tf.mul(op(x), w)) as tf.Scalar)([logits()]);
      return [op(logits()), value, ...grads];
    };
    const want = await onBackend('cpu', compute((x) => tf.logSoftmax(x)));
    const got = await onBackend('wasm', compute((x) => tf.engine().runKernel(LOG_SOFTMAX, { logits: x }) as tf.Tensor));
    want.forEach((w, i) => expect(relativeError(got[i]?.values ?? [], w.values)).toBeLessThan(TOLERANCE));
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = logits();
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.engine().runKernel(LOG_SOFTMAX, { logits: t }) as tf.Tensor) as tf.Scalar)([x]);
      tf.dispose([value, ...grads]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    x.dispose();
  });
});
