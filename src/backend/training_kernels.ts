// Registering our wasm kernels: the one wasm lacks for training (Conv2DBackpropFilter) and faster versions of its own.
import { Conv2DBackpropFilter, getGradient, getKernel, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { GRADIENT_OVERRIDES } from './batch_norm_gradients.js';
import { conv2dBackpropFilterWasmConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputOverride } from './conv2d_backprop_input.js';
import { DENSE_KERNEL_CONFIGS } from './dense_kernels.js';
import { gatherOverride } from './gather.js';
import { castOverride, identityOverride } from './identity.js';
import { LOG_SOFTMAX_KERNEL_CONFIGS } from './log_softmax.js';
import { LOSS_KERNEL_CONFIGS } from './loss_kernels.js';
import { orientedBatchMatMulOverride, orientedFusedMatMulOverride } from './mat_mul_orientation.js';
import { sgdUpdateWasmConfig } from './sgd_kernel.js';
import { COURSE_GRADIENTS, registerMissingGradients, registerMissingKernels } from './register.js';
import { padOverride, sliceOverride } from './slice_pad.js';
import { meanOverride, sumOverride } from './sum.js';
import { tileOverride } from './tile.js';
import { WASM_BACKEND, type KernelOverride } from './wasm_calls.js';

/** wasm kernels we replace with faster ones, each falling back to the original where it does not apply. */
export const WASM_KERNEL_OVERRIDES: readonly KernelOverride[] = [
  conv2dBackpropInputOverride, orientedBatchMatMulOverride, orientedFusedMatMulOverride, tileOverride, identityOverride, castOverride,
  sliceOverride, padOverride, gatherOverride, sumOverride, meanOverride,
];

/**
 * Kernels of our own that src/train calls where the active backend has them (a generic path elsewhere): the fused
 * SGD update, the losses and log-softmax (their gradients are registered once and stay: without the forward kernels
 * they never run), and a Dense layer's forward and backward.
 */
export const COURSE_KERNELS: readonly KernelConfig[] = [
  sgdUpdateWasmConfig, ...LOSS_KERNEL_CONFIGS, ...DENSE_KERNEL_CONFIGS, ...LOG_SOFTMAX_KERNEL_CONFIGS,
];

// Marks our replacement functions, so that registering twice (even from two copies of this module, src and dist)
// never wraps a replacement in another.
const OVERRIDE_MARK = Symbol.for('mnist-course-ts.wasmKernelOverride');

/** The function a replacement (kernel or gradient) wraps, or undefined when `f` is not one of ours. */
function originalOf<F>(f: F): F | undefined {
  return (f as unknown as Record<symbol, F | undefined>)[OVERRIDE_MARK];
}

/** `replacement`, marked as ours and remembering the `original` it wraps. */
function marked<F extends object>(replacement: F, original: F): F {
  Object.defineProperty(replacement, OVERRIDE_MARK, { value: original });
  return replacement;
}

/**
 * Registers the kernels the wasm backend lacks for training the course's models, our own fused kernels (COURSE_KERNELS),
 * our faster versions of Conv2DBackpropInput, BatchMatMul and _FusedMatMul (each in the orientation that packs less),
 * Tile, Identity, Cast, Slice, PadV2 and GatherV2, and our BatchNorm gradients (FusedBatchNorm, Mean; these serve
 * every backend: same values, fewer passes); safe to call many times.
 * Returns the names it registered this time (empty when all are in place already), gradients as "<kernel> gradient".
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  if (getKernel(Conv2DBackpropFilter, WASM_BACKEND) === undefined) {
    registerKernel(conv2dBackpropFilterWasmConfig);
    registered.push(Conv2DBackpropFilter);
  }
  registered.push(...registerMissingKernels(COURSE_KERNELS, WASM_BACKEND), ...registerMissingGradients(COURSE_GRADIENTS));
  for (const override of WASM_KERNEL_OVERRIDES) {
    const current = getKernel(override.kernelName, WASM_BACKEND);
    if (current === undefined || originalOf(current.kernelFunc) !== undefined) continue;
    const kernelFunc = marked(override.wrap(current.kernelFunc), current.kernelFunc);
    // Keep the original's setupFunc and disposeFunc: they bind the C function that the fallback calls.
    unregisterKernel(override.kernelName, WASM_BACKEND);
    registerKernel({ ...current, kernelFunc });
    registered.push(override.kernelName);
  }
  for (const override of GRADIENT_OVERRIDES) {
    const current = getGradient(override.kernelName);
    if (current === undefined || originalOf(current.gradFunc) !== undefined) continue;
    registerGradient({ ...current, gradFunc: marked(override.wrap(current.gradFunc), current.gradFunc) });
    registered.push(`${override.kernelName} gradient`);
  }
  return registered;
}

/**
 * Puts wasm's own versions of the kernels in WASM_KERNEL_OVERRIDES and TF.js's own gradients back and removes
 * COURSE_KERNELS (src/train then takes its generic path; Conv2DBackpropFilter stays: wasm has none), so a benchmark
 * can time both in one process. Returns the names it restored or removed.
 */
export function restoreWasmKernels(): string[] {
  const restored: string[] = [];
  for (const { kernelName } of COURSE_KERNELS) {
    if (getKernel(kernelName, WASM_BACKEND) === undefined) continue;
    unregisterKernel(kernelName, WASM_BACKEND);
    restored.push(kernelName);
  }
  for (const { kernelName } of WASM_KERNEL_OVERRIDES) {
    const current = getKernel(kernelName, WASM_BACKEND);
    const original = current === undefined ? undefined : originalOf(current.kernelFunc);
    if (current === undefined || original === undefined) continue;
    unregisterKernel(kernelName, WASM_BACKEND);
    registerKernel({ ...current, kernelFunc: original });
    restored.push(kernelName);
  }
  for (const { kernelName } of GRADIENT_OVERRIDES) {
    const current = getGradient(kernelName);
    const original = current === undefined ? undefined : originalOf(current.gradFunc);
    if (current === undefined || original === undefined) continue;
    registerGradient({ ...current, gradFunc: original });
    restored.push(`${kernelName} gradient`);
  }
  return restored;
}
