// Our DENSE / DENSE_GRAD kernels on native TensorFlow equal the generic ops, and fit trains the same with them.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { DENSE, DENSE_GRAD } from '../../src/backend/dense_kernels.js';
import { NATIVE_BACKEND, registerNativeKernels } from '../../src/backend/native_kernels.js';
import { createMlp } from '../../src/models/index.js';
import { nllLoss } from '../../src/train/index.js';
import { fitLosses, IN_NATIVE_LANE, relativeError, seeded } from './fixtures.js';

/**
 * Relative to the largest reference value: both sides run TensorFlow's MatMul on the same operands (the generic path
 * as BatchMatMulV2 of rank-3 views), so only summation order can differ, well below 1e-5 at these sizes.
 */
const RELATIVE_TOLERANCE = 1e-5;

/** Removes our Dense kernels from native, so dense_stack takes its generic path (registerNativeKernels brings them back). */
function unregisterDenseKernels(): void {
  for (const name of [DENSE, DENSE_GRAD]) if (tf.getKernel(name, NATIVE_BACKEND) !== undefined) tf.unregisterKernel(name, NATIVE_BACKEND);
}

describe.skipIf(!IN_NATIVE_LANE)('the Dense kernels on native TensorFlow', () => {
  beforeAll(async () => {
    await initBackend({ log: () => {} });
    await tf.setBackend(NATIVE_BACKEND);
  });

  it('are registered for the tensorflow backend once initBackend has loaded it, and registering again does nothing', () => {
    expect(tf.getKernel(DENSE, NATIVE_BACKEND)).toBeDefined();
    expect(tf.getKernel(DENSE_GRAD, NATIVE_BACKEND)).toBeDefined();
    expect(registerNativeKernels()).toEqual([]);
  });

  it.each(['linear', 'relu'] as const)('compute the forward with %s activation as matMul, add and the activation do', (activation) => {
    tf.tidy(() => {
      const [x, kernel, bias] = [seeded(1, [8, 20]), seeded(2, [20, 6]), seeded(3, [6])];
      const y = tf.engine().runKernel(DENSE, { x, kernel, bias }, { activation }) as tf.Tensor;
      const linear = tf.add(tf.matMul(x, kernel), bias);
      expect(relativeError(y, activation === 'relu' ? tf.relu(linear) : linear)).toBeLessThan(RELATIVE_TOLERANCE);
    });
  });

  it.each([
    { relu: true, inputGradient: true }, { relu: true, inputGradient: false },
    { relu: false, inputGradient: true }, { relu: false, inputGradient: false },
  ])('compute the gradients as the generic ops do (relu $relu, inputGradient $inputGradient)', ({ relu, inputGradient }) => {
    tf.tidy(() => {
      const [x, kernel, bias, dy] = [seeded(4, [8, 20]), seeded(5, [20, 6]), seeded(6, [6]), seeded(7, [8, 6])];
      const y = relu ? tf.relu(tf.add(tf.matMul(x, kernel), bias)) : undefined;
      const outputs = tf.engine().runKernel(DENSE_GRAD, { x, kernel, dy, ...(y ? { y } : {}) }, { inputGradient }) as tf.Tensor[];
      const d = y === undefined ? dy : tf.mul(dy, tf.step(y));
      const expected = [tf.matMul(x, d, true, false), tf.sum(d, 0), ...(inputGradient ? [tf.matMul(d, kernel, false, true)] : [])];
      expect(outputs).toHaveLength(expected.length);
      outputs.forEach((output, i) => expect(relativeError(output, expected[i] as tf.Tensor)).toBeLessThan(RELATIVE_TOLERANCE));
    });
  });

  it('free their intermediates: only the outputs stay', () => {
    const [x, kernel, bias, dy] = [seeded(4, [8, 20]), seeded(5, [20, 6]), seeded(6, [6]), seeded(7, [8, 6])];
    const before = tf.memory();
    const y = tf.engine().runKernel(DENSE, { x, kernel, bias }, { activation: 'relu' }) as tf.Tensor;
    const gradients = tf.engine().runKernel(DENSE_GRAD, { x, kernel, dy, y }, { inputGradient: true }) as tf.Tensor[];
    // numDataBuffers counts the backend's tensors, which include intermediates the engine never sees.
    expect(tf.memory()).toMatchObject({ numTensors: before.numTensors + 4, numDataBuffers: before.numDataBuffers + 4 });
    tf.dispose([y, ...gradients, x, kernel, bias, dy]);
  });

  it('train the MLP through fit with the same losses as the generic path, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    let fast: number[] = [];
    const profile = await tf.profile(async () => { fast = await fitLosses(createMlp({ seed: 3 }), nllLoss, [784]); });
    expect(profile.kernelNames).toEqual(expect.arrayContaining([DENSE, DENSE_GRAD]));
    unregisterDenseKernels();
    try {
      const generic = await fitLosses(createMlp({ seed: 3 }), nllLoss, [784]);
      expect(fast[2]).toBeLessThan(fast[0] as number);
      fast.forEach((loss, i) => expect(loss).toBeCloseTo(generic[i] as number, 5));
    } finally {
      registerNativeKernels();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
