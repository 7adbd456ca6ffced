// How tf.layers BatchNormalization behaves inside a custom gradient loop, checked against PyTorch's BatchNorm2d rules.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TORCH_BATCHNORM_EPSILON, TORCH_BATCHNORM_MOMENTUM } from '../../src/models/index.js';
import { batchNorm2d } from '../../src/models/layers.js';
import { quietBackend } from '../train/fixtures.js';

let x: tf.Tensor;
beforeAll(async () => {
  await quietBackend();
  // Channel 0 has mean 2 and channel 1 mean -1 over the 4 * 3 * 3 = 36 values per channel.
  x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 11), tf.tensor1d([1, 3])), tf.tensor1d([2, -1])));
});

/** A model that is only nn.BatchNorm2d(2) on [batch, 3, 3, 2] inputs. */
function bnModel(): { model: tf.LayersModel; layer: tf.layers.Layer } {
  const input = tf.input({ shape: [3, 3, 2] });
  const layer = batchNorm2d('bn');
  return { model: tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor }), layer };
}

const channelMoments = (t: tf.Tensor) => tf.tidy(() => tf.moments(t, [0, 1, 2]));

describe('BatchNorm in a custom training loop', () => {
  it('uses batch statistics under apply(x, { training: true }) inside tf.variableGrads', () => {
    const { model } = bnModel();
    let output: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      output = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
      return tf.sum(tf.mul(output, tf.tensor1d([1, 2]))) as tf.Scalar;
    }, model.trainableWeights.map((w) => w.read() as tf.Variable));
    const { mean, variance } = channelMoments(output as tf.Tensor);
    Array.from(mean.dataSync()).forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
    Array.from(variance.dataSync()).forEach((v) => expect(v).toBeCloseTo(1, 3)); // 1 - eps / var
    // Gradients reach gamma and beta only: the running statistics are not trainable.
    expect(Object.keys(grads).map((k) => k.replace(/_\d+$/, ''))).toEqual(['bn/gamma', 'bn/beta']);
    tf.dispose([value, output, mean, variance, ...Object.values(grads)]);
  });

  it("updates the running averages once per training call with PyTorch's momentum 0.1", () => {
    const { model, layer } = bnModel();
    tf.tidy(() => void model.apply(x, { training: true }));
    const [, , runningMean, runningVar] = layer.getWeights().map((w) => Array.from(w.dataSync()));
    const { mean, variance } = channelMoments(x);
    const m = Array.from(mean.dataSync());
    const v = Array.from(variance.dataSync());
    // running = (1 - 0.1) * running + 0.1 * batch, from mean 0 and var 1. tfjs uses the biased batch variance;
    // PyTorch uses the unbiased one (times n / (n - 1) = 36 / 35 here): a 0.3% difference on 0.1 * var.
    runningMean?.forEach((r, c) => expect(r).toBeCloseTo(TORCH_BATCHNORM_MOMENTUM * (m[c] as number), 5));
    runningVar?.forEach((r, c) => expect(r).toBeCloseTo(1 - TORCH_BATCHNORM_MOMENTUM + TORCH_BATCHNORM_MOMENTUM * (v[c] as number), 5));
    tf.dispose([mean, variance]);
  });

  it('backpropagates through the batch statistics in training mode, and not in inference mode', () => {
    const { model } = bnModel();
    // d/dx of sum(BN(x)) per channel: 0 with batch statistics (a shift of x cancels), 1/sqrt(1 + eps) with running ones.
    // Inference first: the training call moves the running variance away from 1.
    const inference = tf.grad((input: tf.Tensor) => tf.sum(model.apply(input, { training: false }) as tf.Tensor) as tf.Scalar)(x);
    const training = tf.grad((input: tf.Tensor) => tf.sum(model.apply(input, { training: true }) as tf.Tensor) as tf.Scalar)(x);
    expect(tf.max(tf.abs(training)).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.min(inference).dataSync()[0]).toBeCloseTo(1 / Math.sqrt(1 + TORCH_BATCHNORM_EPSILON), 6);
    tf.dispose([training, inference]);
  });

  it('normalizes with the running averages in inference mode (apply without training, or predict)', () => {
    const { model, layer } = bnModel();
    layer.setWeights([tf.ones([2]), tf.zeros([2]), tf.tensor1d([2, -1]), tf.tensor1d([1, 9])]);
    const expected = tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d([2, -1])), tf.sqrt(tf.add(tf.tensor1d([1, 9]), TORCH_BATCHNORM_EPSILON))));
    for (const out of [model.apply(x) as tf.Tensor, model.predict(x) as tf.Tensor]) {
      expect(tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0]).toBeLessThan(1e-5);
      out.dispose();
    }
    expected.dispose();
  });
});
