// Identity on wasm without a copy: the output shares the input's buffer, as the cpu backend's Identity does.
import { Identity, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
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
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** Registered over wasm's own Identity by registerWasmTrainingKernels. */
export const identityOverride: KernelOverride = { kernelName: Identity, wrap: identityWasm };
