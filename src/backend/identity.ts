// Identity and same-dtype Cast on wasm without a copy: the output shares the input's buffer, as on the cpu backend.
import { Cast, Identity, type CastAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelOverride } from './wasm_calls.js';

/**
 * The engine runs Identity for every tensor it saves for the backward pass (engine.clone), ~300 times per ResNet
 * step; wasm's own kernel copies the data each time. TF.js tensors are immutable (a Variable's assign swaps its
 * buffer rather than writing into it), so sharing the buffer with a reference count is safe, as wasm's own Reshape
 * does. Strings go to wasm's own kernel (`original`).
 */
export function identityWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    return share(args.backend as BackendWasm, x);
  };
}

/** A new reference to x's buffer, freed when the last tensor using it is. */
function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * tf.cast runs the Cast kernel even when the dtype does not change (tf.moments casts every BatchNorm input to
 * float32, and so does the gradient of Square), and wasm's own kernel copies the data then. Same dtype: share the
 * buffer; other conversions go to wasm's own kernel (`original`).
 */
export function castWasm(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    const { dtype } = args.attrs as unknown as CastAttrs;
    if (x.dtype === 'string' || dtype !== x.dtype) return original(args);
    return share(args.backend as BackendWasm, x);
  };
}

/** Registered over wasm's own Identity and Cast by registerWasmTrainingKernels. */
export const identityOverride: KernelOverride = { kernelName: Identity, wrap: identityWasm };
export const castOverride: KernelOverride = { kernelName: Cast, wrap: castWasm };
