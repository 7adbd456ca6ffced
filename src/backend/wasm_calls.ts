// Calling the wasm backend's own kernels and heap from our kernels: the shared plumbing of src/backend's wasm kernels.
import { getKernel, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The backend our kernels are written for: they call that backend's own kernels. */
export const WASM_BACKEND = 'wasm';

/** Runs another kernel of the wasm backend directly, as the backend's own kernels do (no engine, no tape). */
export function runWasmKernel(name: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = getKernel(name, WASM_BACKEND);
  if (kernel === undefined) throw new Error(`The wasm backend has no '${name}' kernel, which our wasm training kernels need.`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * The buffer a tensor refers to now, as kernels take it. A snapshot: a Variable's assign points it at another
 * buffer, so code that holds on to a weight's value keeps this, not the Variable.
 */
export function infoOf(t: { dataId: TensorInfo['dataId']; shape: readonly number[]; dtype: TensorInfo['dtype'] }): TensorInfo {
  return { dataId: t.dataId, shape: [...t.shape], dtype: t.dtype };
}

/** `t`'s buffer under another shape of the same size (no copy, no engine call): how products read it as a matrix. */
export const viewAs = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/** The wasm backend's view of its heap: where our JavaScript kernels read inputs and write outputs. */
export type WasmHeap = Pick<BackendWasm, 'makeOutput' | 'typedArrayFromHeap' | 'disposeData'>;

/**
 * The float32 data of `t` on the heap: a view, not a copy, valid until the heap next grows (a makeOutput may grow it),
 * so take views after making a kernel's outputs, as our kernels do.
 */
export function floatsOf(heap: WasmHeap, t: TensorInfo): Float32Array {
  return heap.typedArrayFromHeap(t) as Float32Array;
}

/** Narrows a kernel's backend to the wasm one (our wasm kernels are only registered there). */
export function asWasm(backend: unknown): WasmHeap {
  return backend as WasmHeap;
}

/**
 * Frees the intermediates a kernel made with runWasmKernel, whatever happens: `run` hands `keep` every temporary.
 * The one result a kernel returns is the engine's: it takes that single reference and frees it with the tensor.
 */
export function withTemporaries<T>(backend: KernelBackend, run: (keep: (t: TensorInfo) => TensorInfo) => T): T {
  const temporaries: TensorInfo[] = [];
  try {
    return run((t) => (temporaries.push(t), t));
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/**
 * A replacement for one of wasm's own kernels that keeps the original's setup (its cwrap'd C function) and falls
 * back to it: `wrap` receives the original kernel function. Registered over the original by registerWasmTrainingKernels.
 */
export interface KernelOverride {
  kernelName: string;
  wrap(original: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'];
}
