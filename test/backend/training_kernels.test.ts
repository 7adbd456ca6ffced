// Tests for registering our wasm kernels: idempotent, reversible for benchmarks, and active after initBackend.
import { getGradient, getKernel } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WASM_KERNEL_OVERRIDES, initBackend, registerWasmTrainingKernels, restoreWasmKernels } from '../../src/backend/index.js';
import { COURSE_KERNELS } from '../../src/backend/training_kernels.js';

const kernelNames = WASM_KERNEL_OVERRIDES.map((o) => o.kernelName);
const names = [...COURSE_KERNELS.map((k) => k.kernelName), ...kernelNames, 'FusedBatchNorm gradient', 'Mean gradient'];
const kernelFuncs = (): unknown[] => [...kernelNames.map((name) => getKernel(name, 'wasm')?.kernelFunc), getGradient('FusedBatchNorm')?.gradFunc, getGradient('Mean')?.gradFunc];

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: () => {} });
});

afterAll(() => {
  registerWasmTrainingKernels();
});

describe('registerWasmTrainingKernels', () => {
  it('has every kernel in place after initBackend, so a second call registers nothing', () => {
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it('puts wasm\'s own kernels and TF.js\'s own gradients back with restoreWasmKernels, and ours again after', () => {
    const ours = kernelFuncs();
    expect(restoreWasmKernels()).toEqual(names);
    const own = kernelFuncs();
    own.forEach((f, i) => expect(f).not.toBe(ours[i]));
    expect(restoreWasmKernels()).toEqual([]);
    expect(registerWasmTrainingKernels()).toEqual(names);
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('keeps the original kernels\' setup functions, which bind the C functions the fallbacks call', () => {
    for (const name of ['Conv2DBackpropInput', 'BatchMatMul', 'Tile', 'GatherV2']) expect(getKernel(name, 'wasm')?.setupFunc).toBeTypeOf('function');
  });
});
