// Registering our wasm kernels: the one wasm lacks for training (Conv2DBackpropFilter) and faster versions of its own.
import { Conv2DBackpropFilter, getKernel, registerKernel, unregisterKernel, type KernelFunc } from '@tensorflow/tfjs';
import { batchMatMulOverride } from './batch_mat_mul.js';
import { conv2dBackpropFilterWasmConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputOverride } from './conv2d_backprop_input.js';
import { identityOverride } from './identity.js';
import { tileOverride } from './tile.js';
import { WASM_BACKEND, type KernelOverride } from './wasm_calls.js';

/** wasm kernels we replace with faster ones, each falling back to the original where it does not apply. */
export const WASM_KERNEL_OVERRIDES: readonly KernelOverride[] = [conv2dBackpropInputOverride, batchMatMulOverride, tileOverride, identityOverride];

// Marks our replacement functions, so that registering twice (even from two copies of this module, src and dist)
// never wraps a replacement in another.
const OVERRIDE_MARK = Symbol.for('mnist-course-ts.wasmKernelOverride');

/** The wasm kernel function a replacement wraps, or undefined when `kernelFunc` is not one of ours. */
function originalOf(kernelFunc: KernelFunc): KernelFunc | undefined {
  return (kernelFunc as unknown as Record<symbol, KernelFunc | undefined>)[OVERRIDE_MARK];
}

/**
 * Registers the kernels the wasm backend lacks for training the course's models, and our faster versions of
 * Conv2DBackpropInput, BatchMatMul (transposed operands), Tile and Identity; safe to call many times.
 * Returns the names it registered this time (empty when all are in place already).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  if (getKernel(Conv2DBackpropFilter, WASM_BACKEND) === undefined) {
    registerKernel(conv2dBackpropFilterWasmConfig);
    registered.push(Conv2DBackpropFilter);
  }
  for (const override of WASM_KERNEL_OVERRIDES) {
    const current = getKernel(override.kernelName, WASM_BACKEND);
    if (current === undefined || originalOf(current.kernelFunc) !== undefined) continue;
    const kernelFunc = override.wrap(current.kernelFunc);
    Object.defineProperty(kernelFunc, OVERRIDE_MARK, { value: current.kernelFunc });
    // Keep the original's setupFunc and disposeFunc: they bind the C function that the fallback calls.
    unregisterKernel(override.kernelName, WASM_BACKEND);
    registerKernel({ ...current, kernelFunc });
    registered.push(override.kernelName);
  }
  return registered;
}

/**
 * Puts wasm's own versions of the kernels in WASM_KERNEL_OVERRIDES back (Conv2DBackpropFilter stays: wasm has none),
 * so a benchmark can time both in one process. Returns the names it restored.
 */
export function restoreWasmKernels(): string[] {
  const restored: string[] = [];
  for (const { kernelName } of WASM_KERNEL_OVERRIDES) {
    const current = getKernel(kernelName, WASM_BACKEND);
    const original = current === undefined ? undefined : originalOf(current.kernelFunc);
    if (current === undefined || original === undefined) continue;
    unregisterKernel(kernelName, WASM_BACKEND);
    registerKernel({ ...current, kernelFunc: original });
    restored.push(kernelName);
  }
  return restored;
}
