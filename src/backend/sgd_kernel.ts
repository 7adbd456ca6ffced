// One SGD step of one parameter as a single wasm kernel: torch.optim.SGD's update in one engine call, not four to six.
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, floatsOf, runWasmKernel, WASM_BACKEND, type WasmHeap, withTemporaries } from './wasm_calls.js';

/** Our kernel's name: inputs { param, gradient, buffer? }, attrs SgdUpdateAttrs, outputs [param'] or [param', buffer']. */
export const SGD_UPDATE = 'MnistCourseSgdUpdate';

/** The update's hyperparameters, as torch.optim.SGD names them (dampening 0, nesterov off). */
export interface SgdUpdateAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/**
 * Below this many floats a JavaScript loop over the heap beats wasm's kernels called one by one (each call costs
 * ~1 µs, the loop ~3 ns a float against wasm's ~0.3 ns a pass); above it we call Multiply, Add and Sub directly.
 */
export const LOOP_MAX_SIZE = 4096;

/**
 * The update, with every operation rounded to float32 as the separate tf ops round it (so the result is the
 * generic path's to the bit): d = g + weightDecay·p (when weightDecay ≠ 0); d = momentum·v + d (when a buffer v is
 * given); p' = p - lr·d. Writes p' to `nextParam` and d to `nextBuffer` when given. Exported for tests.
 */
export function sgdUpdateInto(
  param: Float32Array,
  gradient: Float32Array,
  buffer: Float32Array | undefined,
  attrs: SgdUpdateAttrs,
  nextParam: Float32Array,
  nextBuffer: Float32Array | undefined,
): void {
  const f = Math.fround;
  const [lr, momentum, weightDecay] = [f(attrs.lr), f(attrs.momentum), f(attrs.weightDecay)];
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    let d = gradient[i] as number;
    if (weightDecay !== 0) d = f(d + f(p * weightDecay));
    if (buffer !== undefined) d = f(f((buffer[i] as number) * momentum) + d);
    if (nextBuffer !== undefined) nextBuffer[i] = d;
    nextParam[i] = f(p - f(d * lr));
  }
}

type SgdUpdateInputs = { param: TensorInfo; gradient: TensorInfo; buffer?: TensorInfo };

/** A float32 scalar on the heap, a temporary the caller frees. */
function scalar(heap: WasmHeap, value: number): TensorInfo {
  const s = heap.makeOutput([], 'float32');
  floatsOf(heap, s)[0] = value;
  return s;
}

/** The same update by wasm's own Multiply, Add and Sub, called directly (no engine): for large parameters. */
function updateWithWasmKernels(backend: KernelBackend, inputs: SgdUpdateInputs, attrs: SgdUpdateAttrs, keepBuffer: boolean): TensorInfo[] {
  const heap = asWasm(backend);
  const { param, gradient, buffer } = inputs;
  return withTemporaries(backend, (keep) => {
    const run = (name: string, a: TensorInfo, b: TensorInfo): TensorInfo => runWasmKernel(name, backend, { a, b });
    const times = (x: TensorInfo, value: number): TensorInfo => keep(run('Multiply', x, keep(scalar(heap, value))));
    let direction = gradient;
    if (attrs.weightDecay !== 0) direction = run('Add', gradient, times(param, attrs.weightDecay));
    if (buffer !== undefined) {
      const decayed = direction;
      direction = run('Add', times(buffer, attrs.momentum), decayed);
      if (decayed !== gradient) keep(decayed);
    }
    const nextParam = run('Sub', param, times(direction, attrs.lr));
    if (keepBuffer) {
      // On a first step the new buffer is the gradient itself: a new reference (our Identity shares the buffer).
      return [nextParam, direction === gradient ? runWasmKernel('Identity', backend, { x: gradient }) : direction];
    }
    if (direction !== gradient) keep(direction);
    return [nextParam];
  });
}

/**
 * wasm kernel for SGD_UPDATE. Float32 parameters of up to LOOP_MAX_SIZE floats are updated by one JavaScript loop
 * on the heap, larger ones by wasm's own kernels; either way one engine call per parameter instead of one per
 * operation, and no scalar tensors uploaded per step. Outputs are new tensors (TF.js tensors are immutable: the
 * caller assigns them to the variables); the buffer output only when momentum ≠ 0.
 */
export const sgdUpdateWasm: KernelFunc = (args) => {
  const inputs = args.inputs as SgdUpdateInputs;
  const attrs = args.attrs as unknown as SgdUpdateAttrs;
  const keepBuffer = attrs.momentum !== 0;
  const size = inputs.param.shape.reduce((a, b) => a * b, 1);
  if (size > LOOP_MAX_SIZE) return updateWithWasmKernels(args.backend as KernelBackend, inputs, attrs, keepBuffer);
  const heap = asWasm(args.backend);
  const nextParam = heap.makeOutput(inputs.param.shape, 'float32');
  const nextBuffer = keepBuffer ? heap.makeOutput(inputs.param.shape, 'float32') : undefined;
  const buffer = inputs.buffer && floatsOf(heap, inputs.buffer);
  sgdUpdateInto(floatsOf(heap, inputs.param), floatsOf(heap, inputs.gradient), buffer, attrs, floatsOf(heap, nextParam), nextBuffer && floatsOf(heap, nextBuffer));
  return nextBuffer === undefined ? [nextParam] : [nextParam, nextBuffer];
};

export const sgdUpdateWasmConfig: KernelConfig = { kernelName: SGD_UPDATE, backendName: WASM_BACKEND, kernelFunc: sgdUpdateWasm };
