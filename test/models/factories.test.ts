// Tests of the model factories: PyTorch parameter counts, shapes, PyTorch padding and init, seeding.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createCnn,
  createFeedForward,
  createHidden,
  createLinear,
  createMlp,
  createResNet,
  InputShapeError,
  parameterCount,
} from '../../src/models/index.js';
import { setSeed } from '../../src/random/index.js';
import { quietBackend } from '../train/fixtures.js';

beforeAll(quietBackend);

const weightsOf = (model: tf.LayersModel): Float32Array[] => model.getWeights().map((w) => w.dataSync() as Float32Array);

describe('model factories', () => {
  // The counts PyTorch prints for the tutorials' modules (sum of p.numel() for p in model.parameters()).
  const cases: [string, () => tf.LayersModel, number, number[]][] = [
    ['createLinear (seed 000)', createLinear, 7_850, [28, 28, 1]],
    ['createHidden (seed 000)', createHidden, 79_510, [28, 28, 1]],
    ['createFeedForward (seed 001)', createFeedForward, 7_850, [784]],
    ['createCnn (seed 001)', createCnn, 3_930, [784]],
    ['createMlp (seed 002)', createMlp, 130_058, [784]],
    ['createResNet (seed 003)', createResNet, 36_460, [28, 28, 1]],
  ];

  for (const [name, create, params, inputShape] of cases) {
    it(`${name} has PyTorch's ${params} parameters and maps its default input to 10 outputs`, () => {
      const model = create();
      expect(parameterCount(model)).toBe(params);
      expect(model.inputs[0]?.shape.slice(1)).toEqual(inputShape);
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => model.predict(tf.zeros([3, ...inputShape])) as tf.Tensor);
      expect(out.shape).toEqual([3, 10]);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('every model also accepts the other MNIST layout through inputShape', () => {
    for (const model of [createLinear({ inputShape: [784] }), createCnn({ inputShape: [28, 28, 1] }), createResNet({ inputShape: [784] })]) {
      const shape = model.inputs[0]?.shape.slice(1) as number[];
      const out = tf.tidy(() => (model.predict(tf.zeros([2, ...shape])) as tf.Tensor).shape);
      expect(out).toEqual([2, 10]);
      model.dispose();
    }
  });

  it('rejects an input shape that is not one MNIST image', () => {
    expect(() => createMlp({ inputShape: [100] })).toThrow(InputShapeError);
    expect(() => createCnn({ inputShape: [32, 32, 1] })).toThrow(/Expected an input shape \[784\] or \[28, 28, 1\]/);
  });

  it('CNN convolutions shrink 28 -> 14 -> 7 -> 4 and pooling to 1, as in the tutorial', () => {
    const model = createCnn();
    const shapes = ['conv1', 'conv2', 'conv3'].map((n) => model.getLayer(n).outputShape);
    expect(shapes).toEqual([
      [null, 14, 14, 16],
      [null, 7, 7, 16],
      [null, 4, 4, 10],
    ]);
    model.dispose();
  });

  it('ResNet stages shrink 28 -> 14 -> 7 -> 4 -> 2 -> 1', () => {
    const model = createResNet();
    const sizes = ['0.0', '2.0', '4.0', '6.0', '7.0'].map((n) => (model.getLayer(n).outputShape as number[])[1]);
    expect(sizes).toEqual([14, 7, 4, 2, 1]);
    model.dispose();
  });

  it("pads stride-2 convolutions on every side like PyTorch's padding=1, not like TF 'same'", () => {
    // All-ones image and kernel, zero bias: an output pixel sums the real (unpadded) pixels its 3x3 window covers.
    const model = createCnn({ inputShape: [28, 28, 1] });
    const conv = model.getLayer('conv1');
    conv.setWeights([tf.ones([3, 3, 1, 16]), tf.zeros([16])]);
    const sub = tf.model({ inputs: model.inputs, outputs: conv.output as tf.SymbolicTensor });
    const out = tf.tidy(() => (sub.predict(tf.ones([1, 28, 28, 1])) as tf.Tensor).slice([0, 0, 0, 0], [1, 14, 14, 1]).reshape([14, 14]).arraySync() as number[][]);
    // PyTorch: window of output (0, 0) covers rows/cols -1..1, so 2x2 real pixels; output (13, 13) covers 25..27.
    expect(out[0]?.[0]).toBe(4);
    expect(out[13]?.[13]).toBe(9);
    expect(out[0]?.[13]).toBe(6);
    model.dispose();
  });

  it("initializes like PyTorch: weights and biases within +-1/sqrt(fan_in), spread over the range", () => {
    const model = createCnn({ seed: 1 });
    const conv2 = model.getLayer('conv2').getWeights().map((w) => w.dataSync() as Float32Array);
    const bound = 1 / Math.sqrt(16 * 3 * 3);
    for (const values of conv2) {
      const max = Math.max(...values.map(Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.8 * bound);
    }
    model.dispose();
    // Variance of U(-b, b) is b^2 / 3; over the 100,352 weights of the MLP's first layer within 2%.
    const mlp = createMlp({ seed: 1 });
    const kernel = mlp.getLayer('0').getWeights()[0]?.dataSync() as Float32Array;
    const mean = kernel.reduce((a, b) => a + b, 0) / kernel.length;
    const variance = kernel.reduce((a, b) => a + (b - mean) ** 2, 0) / kernel.length;
    expect(Math.abs(variance / (1 / 784 / 3) - 1)).toBeLessThan(0.02);
    mlp.dispose();
  });

  it('setSeed makes initialization reproducible, and a different seed changes it', () => {
    setSeed(7);
    const a = weightsOf(createMlp());
    setSeed(7);
    const b = weightsOf(createMlp());
    setSeed(8);
    const c = weightsOf(createMlp());
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
    expect(weightsOf(createLinear({ seed: 3 }))).toEqual(weightsOf(createLinear({ seed: 3 })));
  });

  it('createHidden has no activation between its layers, so it stays linear (affine) in its input', () => {
    const model = createHidden({ inputShape: [784] });
    const [fa, fb, fab, f0] = tf.tidy(() => {
      const a = tf.randomUniform([1, 784], 0, 1, 'float32', 1);
      const b = tf.randomUniform([1, 784], 0, 1, 'float32', 2);
      return [a, b, a.add(b), tf.zeros([1, 784])].map((x) => (model.predict(x) as tf.Tensor).dataSync());
    });
    for (let i = 0; i < 10; i++) expect((fab as Float32Array)[i]).toBeCloseTo((fa as Float32Array)[i]! + (fb as Float32Array)[i]! - (f0 as Float32Array)[i]!, 4);
    model.dispose();
  });

  it('createMlp outputs log-probabilities: exp sums to 1 over the classes', () => {
    const model = createMlp({ seed: 0 });
    const sums = tf.tidy(() => tf.exp(model.predict(tf.randomUniform([4, 784], -1, 1, 'float32', 3)) as tf.Tensor).sum(1).dataSync());
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    model.dispose();
  });
});
