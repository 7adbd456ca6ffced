// oneDNN's native-format kernels: found in the Linux x86 TensorFlow build, switched off by MNIST_COURSE_ONEDNN=0.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { ONEDNN_ENV, oneDnnKernels } from '../../src/graph/onednn.js';
import { IN_NATIVE_LANE } from '../native/fixtures.js';

describe.skipIf(!IN_NATIVE_LANE)('oneDnnKernels on native TensorFlow', () => {
  beforeAll(async () => {
    await initBackend({ log: () => {} });
  });

  it('finds them in the tensorflow-cpu 2.9 build the lane runs, agreeing with TensorFlow\'s own ops', () => {
    expect(oneDnnKernels()).toBe(true);
  });

  it(`reports none when ${ONEDNN_ENV}=0`, () => {
    process.env[ONEDNN_ENV] = '0';
    try {
      expect(oneDnnKernels()).toBe(false);
    } finally {
      delete process.env[ONEDNN_ENV];
    }
    expect(oneDnnKernels()).toBe(true);
  });
});
