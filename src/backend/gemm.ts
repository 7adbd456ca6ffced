// Our float32 matrix product for wasm (src/backend/gemm/gemm.c), and its im2col / col2im, run in the wasm backend's own memory.
import v8 from 'node:v8';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from './gemm/gemm_wasm.js';

/** Panel width of gemm.c: its scratch holds (k + 1) · GEMM_PANEL floats. */
export const GEMM_PANEL = 8;

/** Set to 0 to keep to the plain-SIMD module (no fused multiply-adds, no V8 flag set). */
export const RELAXED_SIMD_ENV = 'MNIST_COURSE_RELAXED_SIMD';

/** The V8 flag that Node 20 (V8 11.3) needs for relaxed SIMD; V8 11.4 on (Node 22) has it on by default. */
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

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

/** Which build of gemm.c runs: relaxed SIMD (fused multiply-adds) or plain SIMD. */
export type GemmKind = 'relaxed' | 'simd';

/** What we use of the wasm backend: its Emscripten module (memory, allocator) and where each tensor lives. */
interface WasmInternals {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(pointer: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

type WasmFunction = (...args: number[]) => void;
interface Loaded {
  kind: GemmKind;
  run: WasmFunction;
  im2col: WasmFunction;
  col2im: WasmFunction;
  columnSums: WasmFunction;
}

type Bytes = Uint8Array<ArrayBuffer>;

const instances = new WeakMap<WebAssembly.Memory, Loaded | null>();
let relaxedBytes: Bytes | null | undefined;

const decode = (base64: string): Bytes => new Uint8Array(Buffer.from(base64, 'base64'));

/**
 * The relaxed-SIMD build where this runtime validates it. On Node 20 that takes V8's experimental flag, which we set
 * (it only lets modules use the relaxed instructions) unless MNIST_COURSE_RELAXED_SIMD=0.
 */
function relaxedModule(): Bytes | null {
  if (relaxedBytes !== undefined) return relaxedBytes;
  const bytes = decode(GEMM_RELAXED_WASM_BASE64);
  if (process.env[RELAXED_SIMD_ENV] === '0') return (relaxedBytes = null);
  if (!WebAssembly.validate(bytes)) v8.setFlagsFromString(RELAXED_SIMD_FLAG);
  return (relaxedBytes = WebAssembly.validate(bytes) ? bytes : null);
}

function instantiate(kind: GemmKind, bytes: Bytes, memory: WebAssembly.Memory): Loaded {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, WasmFunction>;
  return {
    kind, run: exports.gemm as WasmFunction, im2col: exports.im2col as WasmFunction, col2im: exports.col2im as WasmFunction,
    columnSums: exports.column_sums as WasmFunction,
  };
}

/** gemm.c instantiated on `memory` (relaxed SIMD where it runs), or null where this runtime has no wasm SIMD. */
function gemmFor(memory: WebAssembly.Memory): Loaded | null {
  let loaded = instances.get(memory);
  if (loaded === undefined) {
    loaded = null;
    const relaxed = relaxedModule();
    for (const [kind, bytes] of [['relaxed', relaxed], ['simd', decode(GEMM_WASM_BASE64)]] as const) {
      if (bytes === null || loaded !== null) continue;
      try {
        loaded = instantiate(kind, bytes, memory);
      } catch {
        // this build does not run here; try the next
      }
    }
    instances.set(memory, loaded);
  }
  return loaded;
}

/** Which build of our product runs on this wasm backend, or undefined where none can (callers then use XNNPack). */
export function gemmKind(backend: KernelBackend): GemmKind | undefined {
  return gemmFor((backend as unknown as WasmInternals).wasm.asm.memory)?.kind;
}

/** The wasm backend's internals and our module on its memory; `what` names the caller in the error where none runs. */
function moduleOf(backend: KernelBackend, what: string): [WasmInternals, Loaded] {
  const internals = backend as unknown as WasmInternals;
  const loaded = gemmFor(internals.wasm.asm.memory);
  if (loaded === null) throw new Error(`${what}: this runtime cannot run our wasm SIMD module.`);
  return [internals, loaded];
}

function offsetOf(backend: WasmInternals, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('gemm: a tensor that is not on this wasm backend.');
  return data.memoryOffset;
}

/**
 * Runs gemm.c on tensors of `backend` (the wasm one; check gemmKind first). Shapes are read from `a` and `b` with
 * the transpose flags; scratch for one panel is allocated and freed around the call.
 */
export function gemm(backend: KernelBackend, call: GemmCall): void {
  const [internals, loaded] = moduleOf(backend, 'gemm');
  const [aRows, aCols] = call.a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = call.b.shape.slice(-2) as [number, number];
  const [m, k] = call.transposeA ? [aCols, aRows] : [aRows, aCols];
  const n = call.transposeB ? bRows : bCols;
  if ((call.transposeB ? bCols : bRows) !== k) throw new Error(`gemm: inner dimensions differ (${k} and ${call.transposeB ? bCols : bRows}).`);
  const panel = internals.wasm._malloc((k + 1) * GEMM_PANEL * 4);
  try {
    const bias = call.bias === undefined ? 0 : offsetOf(internals, call.bias);
    loaded.run(m, n, k, offsetOf(internals, call.a), call.transposeA ? 1 : 0, offsetOf(internals, call.b), call.transposeB ? 1 : 0, bias, call.relu ? 1 : 0, offsetOf(internals, call.out), panel);
  } finally {
    internals.wasm._free(panel);
  }
}

/** Where a convolution's windows lie: output pixel (oh, ow)'s window (i, j) reads input pixel (oh·s + i - top, ow·s + j - left). */
export interface WindowGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  top: number;
  left: number;
  outHeight: number;
  outWidth: number;
}

/**
 * gemm.c's im2col (image [B, H, W, C] -> columns [B·OH·OW, kh·kw·C], zeros in the padding) or col2im (columns ->
 * image, each pixel the sum of its windows' values). Both tensors are on `backend` and made by the caller; the
 * target is overwritten. Check gemmKind first.
 */
export function windows(backend: KernelBackend, direction: 'im2col' | 'col2im', from: TensorInfo, to: TensorInfo, g: WindowGeometry): void {
  const [internals, loaded] = moduleOf(backend, direction);
  loaded[direction](offsetOf(internals, from), g.batch, g.inHeight, g.inWidth, g.channels, g.filterHeight, g.filterWidth,
    g.strideHeight, g.strideWidth, g.top, g.left, g.outHeight, g.outWidth, offsetOf(internals, to));
}

/** out [n] = Σ over the rows of x viewed as [rows, n] (gemm.c's column_sums, rows in order). Check gemmKind first. */
export function columnSums(backend: KernelBackend, x: TensorInfo, rows: number, n: number, out: TensorInfo): void {
  const [internals, loaded] = moduleOf(backend, 'column sums');
  loaded.columnSums(offsetOf(internals, x), rows, n, offsetOf(internals, out));
}
