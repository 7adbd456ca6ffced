// Our float32 matrix product for wasm (src/backend/gemm/gemm.c), run in the wasm backend's own memory.
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { GEMM_WASM_BASE64 } from './gemm/gemm_wasm.js';

/** Panel width of gemm.c: its scratch holds (k + 1) · GEMM_PANEL floats. */
export const GEMM_PANEL = 8;

/** One product C = op(A)·op(B) (+ bias, then relu): op(A) [m, k], op(B) [k, n], C [m, n], all float32. */
export interface GemmCall {
  a: TensorInfo;
  /** A is stored [k, m] (use its transpose). */
  transposeA: boolean;
  b: TensorInfo;
  /** B is stored [n, k]. */
  transposeB: boolean;
  /** [n], added to every row. */
  bias?: TensorInfo;
  relu: boolean;
  /** The output [m, n], made by the caller (its contents are overwritten). */
  out: TensorInfo;
}

/** What we use of the wasm backend: its Emscripten module (memory, allocator) and where each tensor lives. */
interface WasmInternals {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(pointer: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

type GemmFunction = (...args: number[]) => void;

const instances = new WeakMap<WebAssembly.Memory, GemmFunction | null>();

/** gemm.c instantiated on `memory`, or null where this runtime cannot (no wasm SIMD): callers then use XNNPack. */
function gemmFor(memory: WebAssembly.Memory): GemmFunction | null {
  let gemm = instances.get(memory);
  if (gemm === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(GEMM_WASM_BASE64, 'base64'));
      gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm as GemmFunction;
    } catch {
      gemm = null;
    }
    instances.set(memory, gemm);
  }
  return gemm;
}

/** Whether our product runs on this wasm backend. */
export function hasGemm(backend: KernelBackend): boolean {
  return gemmFor((backend as unknown as WasmInternals).wasm.asm.memory) !== null;
}

function offsetOf(backend: WasmInternals, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('gemm: a tensor that is not on this wasm backend.');
  return data.memoryOffset;
}

/**
 * Runs gemm.c on tensors of `backend` (the wasm one; check hasGemm first). Shapes are read from `a` and `b` with the
 * transpose flags; scratch for one panel is allocated and freed around the call.
 */
export function gemm(backend: KernelBackend, call: GemmCall): void {
  const internals = backend as unknown as WasmInternals;
  const run = gemmFor(internals.wasm.asm.memory);
  if (run === null) throw new Error('gemm: this runtime cannot run our wasm SIMD module.');
  const [aRows, aCols] = call.a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = call.b.shape.slice(-2) as [number, number];
  const [m, k] = call.transposeA ? [aCols, aRows] : [aRows, aCols];
  const n = call.transposeB ? bRows : bCols;
  if ((call.transposeB ? bCols : bRows) !== k) throw new Error(`gemm: inner dimensions differ (${k} and ${call.transposeB ? bCols : bRows}).`);
  const panel = internals.wasm._malloc((k + 1) * GEMM_PANEL * 4);
  try {
    const bias = call.bias === undefined ? 0 : offsetOf(internals, call.bias);
    run(m, n, k, offsetOf(internals, call.a), call.transposeA ? 1 : 0, offsetOf(internals, call.b), call.transposeB ? 1 : 0, bias, call.relu ? 1 : 0, offsetOf(internals, call.out), panel);
  } finally {
    internals.wasm._free(panel);
  }
}
