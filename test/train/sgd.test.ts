// Tests of SGD against a hand computation of PyTorch's update rule and against tf.train.momentum.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { LOOP_MAX_SIZE, SGD_UPDATE, sgdUpdateWasmConfig } from '../../src/backend/sgd_kernel.js';
import { mseLoss, SGD, TrainingConfigError } from '../../src/train/index.js';
import { quietBackend } from './fixtures.js';
import { randomValues } from '../backend/reference.js';

beforeAll(quietBackend);

// Loss sum(a * p^2) has gradient 2 * a * p: simple enough to follow the update by hand.
const A = [1, 3];
const quadratic = (p: tf.Variable) => () => tf.sum(tf.mul(tf.tensor1d(A), tf.square(p))) as tf.Scalar;

/** PyTorch's SGD (dampening 0, nesterov off) written out in plain numbers. */
function torchSgd(p0: number[], steps: number, lr: number, momentum: number, weightDecay: number): number[] {
  const p = [...p0];
  let v: number[] | undefined;
  for (let s = 0; s < steps; s++) {
    const g = p.map((x, i) => 2 * (A[i] as number) * x + weightDecay * x);
    v = v === undefined ? g : v.map((vi, i) => momentum * vi + (g[i] as number));
    const direction = momentum === 0 ? g : v;
    for (let i = 0; i < p.length; i++) p[i] = (p[i] as number) - lr * (direction[i] as number);
  }
  return p;
}

describe('SGD', () => {
  it('follows a hand computation of PyTorch SGD with momentum and weight decay over 4 steps (to 1e-6)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const optimizer = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    for (let s = 0; s < 4; s++) optimizer.step(quadratic(p)).dispose();
    const expected = torchSgd([1, -2], 4, 0.1, 0.9, 0.01);
    Array.from(p.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i] as number, 6));
    optimizer.dispose();
  });

  it('without momentum is p -= lr * grad', () => {
    const p = tf.variable(tf.tensor1d([1, 1]));
    const optimizer = new SGD([p], { lr: 0.05 });
    optimizer.step(quadratic(p)).dispose();
    expect(Array.from(p.dataSync())).toEqual([1 - 0.05 * 2, 1 - 0.05 * 6].map(Math.fround));
  });

  it('matches tf.train.momentum while lr and momentum stay fixed (same rule, accumulator from zero), to 1e-6', () => {
    const ours = tf.variable(tf.tensor1d([0.5, -1.5]));
    const theirs = tf.variable(tf.tensor1d([0.5, -1.5]));
    const sgd = new SGD([ours], { lr: 0.02, momentum: 0.9 });
    const reference = tf.train.momentum(0.02, 0.9);
    for (let s = 0; s < 5; s++) {
      sgd.step(quadratic(ours)).dispose();
      reference.minimize(quadratic(theirs), false, [theirs]);
    }
    const difference = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0] as number;
    expect(difference).toBeLessThan(1e-6);
    sgd.dispose();
    reference.dispose();
  });

  it('differs from tf.train.momentum when momentum changes mid-run: ours reads it each step, theirs baked it in', () => {
    const ours = tf.variable(tf.tensor1d([1, 1]));
    const theirs = tf.variable(tf.tensor1d([1, 1]));
    const sgd = new SGD([ours], { lr: 0.01, momentum: 0.9 });
    const reference = tf.train.momentum(0.01, 0.9);
    for (let s = 0; s < 3; s++) {
      sgd.step(quadratic(ours)).dispose();
      reference.minimize(quadratic(theirs), false, [theirs]);
      sgd.momentum = 0.5;
      reference.setMomentum(0.5); // only stores the number; the update keeps using the scalar made at construction
    }
    const expectedOurs = (() => {
      const p = [1, 1];
      let v = [0, 0];
      for (let s = 0; s < 3; s++) {
        const m = s === 0 ? 0 : 0.5; // first step: v = g whatever the momentum
        const g = p.map((x, i) => 2 * (A[i] as number) * x);
        v = v.map((vi, i) => m * vi + (g[i] as number));
        for (let i = 0; i < 2; i++) p[i] = (p[i] as number) - 0.01 * (v[i] as number);
      }
      return p;
    })();
    Array.from(ours.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expectedOurs[i] as number, 6));
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeGreaterThan(1e-4);
    sgd.dispose();
    reference.dispose();
  });

  it('reads lr at every step, so a scheduler can change it', () => {
    const p = tf.variable(tf.tensor1d([1, 1]));
    const optimizer = new SGD([p], { lr: 0.1 });
    optimizer.lr = 0;
    optimizer.step(quadratic(p)).dispose();
    expect(Array.from(p.dataSync())).toEqual([1, 1]);
  });

  it('keeps one momentum buffer per parameter and frees them on dispose', () => {
    const p = tf.variable(tf.tensor1d([1, 1]));
    const optimizer = new SGD([p], { lr: 0.1, momentum: 0.9 });
    optimizer.step(quadratic(p)).dispose();
    const afterFirst = tf.memory().numTensors;
    for (let s = 0; s < 3; s++) optimizer.step(quadratic(p)).dispose();
    expect(tf.memory().numTensors).toBe(afterFirst);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(afterFirst - 1);
  });

  it('rejects negative settings as PyTorch does', () => {
    const p = tf.variable(tf.tensor1d([1]));
    expect(() => new SGD([p], { lr: -1 })).toThrow(TrainingConfigError);
    expect(() => new SGD([p], { lr: 0.1, momentum: -0.5 })).toThrow(/momentum value >= 0/);
  });
});

describe('SGD as a tf.layers optimizer', () => {
  it('model.compile + model.fit with it gives the same weights as optimizer.step with mseLoss (to 1e-6)', async () => {
    const build = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 2], [2, 0, 1], [1, 1, 1]]);
    const y = tf.tensor2d([[1, 0], [0, 1], [1, 1], [0, 0]]);
    const viaKeras = build();
    viaKeras.compile({ optimizer: new SGD(viaKeras, { lr: 0.01, momentum: 0.9 }), loss: 'meanSquaredError' });
    await viaKeras.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const direct = build();
    const optimizer = new SGD(direct, { lr: 0.01, momentum: 0.9 });
    for (let s = 0; s < 3; s++) optimizer.step(() => mseLoss(direct.apply(x) as tf.Tensor, y)).dispose();
    viaKeras.getWeights().forEach((w, i) => {
      expect(tf.max(tf.abs(tf.sub(w, direct.getWeights()[i] as tf.Tensor))).dataSync()[0]).toBeLessThan(1e-6);
    });
  });
});

describe('SGD with the fused SGD_UPDATE kernel on wasm', () => {
  /** Parameters after `steps` steps of a fixed quadratic loss, and the generic path's, from the same start. */
  async function bothPaths(size: number, options: { lr: number; momentum?: number; weightDecay?: number }, steps = 3): Promise<[Float32Array, Float32Array]> {
    await initBackend({ backend: 'wasm', log: () => {} });
    const run = (): Float32Array => {
      const p = tf.variable(tf.tensor1d(randomValues(size, 1)));
      const weights = tf.tensor1d(randomValues(size, 2));
      const optimizer = new SGD([p], options);
      for (let s = 0; s < steps; s++) optimizer.step(() => tf.sum(tf.mul(weights, tf.square(p))) as tf.Scalar).dispose();
      const values = p.dataSync() as Float32Array;
      tf.dispose([p, weights]);
      optimizer.dispose();
      return values;
    };
    expect(tf.getKernel(SGD_UPDATE, 'wasm')).toBeDefined();
    const fused = run();
    tf.unregisterKernel(SGD_UPDATE, 'wasm');
    try {
      return [fused, run()];
    } finally {
      tf.registerKernel(sgdUpdateWasmConfig);
    }
  }

  const settings = [
    { lr: 0.05 },
    { lr: 0.003, momentum: 0.9 },
    { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
  ];
  // Small parameters take the JavaScript loop, large ones wasm's own kernels: both round as the separate ops do.
  for (const size of [30, LOOP_MAX_SIZE + 1000]) {
    it.each(settings)(`gives the generic path's parameters to the bit for ${size} floats with %o`, async (options) => {
      const [fused, generic] = await bothPaths(size, options);
      expect(fused).toEqual(generic);
    });
  }

  it('leaves no tensors or wasm buffers behind after the first step (which makes the momentum buffers)', async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const small = tf.variable(tf.tensor1d(randomValues(30, 3)));
    const large = tf.variable(tf.tensor1d(randomValues(LOOP_MAX_SIZE * 2, 4)));
    const optimizer = new SGD([small, large], { lr: 0.01, momentum: 0.9, weightDecay: 0.001 });
    const loss = (): tf.Scalar => tf.add(tf.sum(tf.square(small)), tf.sum(tf.square(large))) as tf.Scalar;
    optimizer.step(loss).dispose();
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let s = 0; s < 3; s++) optimizer.step(loss).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    optimizer.dispose();
    tf.dispose([small, large]);
  });
});
