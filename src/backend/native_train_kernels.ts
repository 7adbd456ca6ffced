// SGD_UPDATE, the losses and LOG_SOFTMAX on native TensorFlow as raw TF ops, with their scalars uploaded once.
import { dispose, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs';
import { LOG_SOFTMAX, LOG_SOFTMAX_GRAD } from './log_softmax.js';
import { NLL_LOSS, NLL_LOSS_GRAD, SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from './loss_kernels.js';
import { NATIVE_BACKEND, typeAttr, type NativeBackend } from './native_ops.js';
import { SGD_UPDATE, type SgdUpdateAttrs } from './sgd_kernel.js';

/**
 * How many constants each backend keeps. lr changes every step under OneCycleLR, so the cache turns over, but each
 * value is still uploaded once per step instead of once per parameter.
 */
const CONSTANT_CACHE_SIZE = 32;

// Constants as backend data only (not engine tensors: tf.memory().numTensors stays as the generic path leaves it).
// Their TF tensor handle is made on first use and reused after, so a constant costs no upload per op.
const constantCaches = new WeakMap<object, Map<string, TensorInfo>>();

/** A cached constant scalar (or int32 vector `values`) on `backend`. */
function constant(backend: NativeBackend, dtype: 'float32' | 'int32', values: number[], shape: number[] = []): TensorInfo {
  let cache = constantCaches.get(backend);
  if (cache === undefined) constantCaches.set(backend, (cache = new Map()));
  const key = `${dtype}[${shape.join(',')}]:${values.join(',')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size >= CONSTANT_CACHE_SIZE) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, TensorInfo];
    backend.disposeData(oldest.dataId, true);
    cache.delete(oldestKey);
  }
  const data = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  const info: TensorInfo = { dataId: backend.write(data, shape, dtype), shape, dtype };
  cache.set(key, info);
  return info;
}

/** The float op `name` on `inputs`: one TFE_Execute, a new tensor the caller owns. */
function op(backend: NativeBackend, name: string, ...inputs: TensorInfo[]): Tensor {
  return backend.executeSingleOutput(name, [typeAttr(backend)], inputs);
}

/** Σ of `x` over `axes` (kept as size-1 dimensions when keepDims). */
function sum(backend: NativeBackend, x: TensorInfo, axes: number[], keepDims: boolean): Tensor {
  const attrs = [
    { name: 'keep_dims', type: backend.binding.TF_ATTR_BOOL, value: keepDims },
    typeAttr(backend),
    typeAttr(backend, 'Tidx', backend.binding.TF_INT32),
  ];
  return backend.executeSingleOutput('Sum', attrs, [x, constant(backend, 'int32', axes, [axes.length])]);
}

/** One-hot rows [batch, classes] of int32 labels: `on` at the label, 0 elsewhere, a zero row for labels outside [0, classes). */
function oneHot(backend: NativeBackend, labels: TensorInfo, classes: number, on: TensorInfo): Tensor {
  const attrs = [
    { name: 'axis', type: backend.binding.TF_ATTR_INT, value: -1 },
    typeAttr(backend),
    typeAttr(backend, 'TI', backend.binding.TF_INT32),
  ];
  return backend.executeSingleOutput('OneHot', attrs, [labels, constant(backend, 'int32', [classes]), on, constant(backend, 'float32', [0])]);
}

/** `result`, after freeing the `intermediates` that made it. */
function freeing<T>(intermediates: Tensor[], result: T): T {
  dispose(intermediates);
  return result;
}

/**
 * Native SGD_UPDATE: d = g + weightDecay·p (AddV2, Mul), v' = momentum·v + d (Mul, AddV2), p' = p - lr·d' (Mul, Sub):
 * the generic path's ops in its order (same float32 roundings, so the same values), with lr, momentum and weightDecay
 * as cached constants and one engine call per parameter instead of four to six.
 */
export const sgdUpdateNative: KernelFunc = (args) => {
  const { param, gradient, buffer } = args.inputs as { param: TensorInfo; gradient: TensorInfo; buffer?: TensorInfo };
  const { lr, momentum, weightDecay } = args.attrs as unknown as SgdUpdateAttrs;
  const backend = args.backend as unknown as NativeBackend;
  const scalar = (value: number): TensorInfo => constant(backend, 'float32', [value]);
  const temporaries: Tensor[] = [];
  const keep = (t: Tensor): Tensor => (temporaries.push(t), t);
  let direction: TensorInfo = gradient;
  if (weightDecay !== 0) direction = op(backend, 'AddV2', gradient, keep(op(backend, 'Mul', param, scalar(weightDecay))));
  if (buffer !== undefined) {
    if (direction !== gradient) keep(direction as Tensor);
    direction = op(backend, 'AddV2', keep(op(backend, 'Mul', buffer, scalar(momentum))), direction);
  }
  const nextParam = op(backend, 'Sub', param, keep(op(backend, 'Mul', direction, scalar(lr))));
  if (momentum === 0) {
    if (direction !== gradient) keep(direction as Tensor);
    return freeing(temporaries, [nextParam]);
  }
  // On a first step the buffer is the gradient itself: a new tensor (Identity), as the wasm kernel returns.
  const nextBuffer = direction === gradient ? backend.executeSingleOutput('Identity', [typeAttr(backend)], [gradient]) : (direction as Tensor);
  return freeing(temporaries, [nextParam, nextBuffer]);
};

type LossInputs = { logits?: TensorInfo; logProbs?: TensorInfo; labels: TensorInfo; dy?: TensorInfo };

/**
 * Mean over the batch of -logProbs[i, label]: OneHot with -1/batch at the label, Mul, Sum over both axes (3 ops).
 * An empty batch gives NaN, as tf.mean and the wasm kernels do (a Sum over nothing would give 0).
 */
function nllMean(backend: NativeBackend, logProbs: TensorInfo, labels: TensorInfo): Tensor {
  const [batch, classes] = logProbs.shape as [number, number];
  if (batch === 0) return backend.executeSingleOutput('Identity', [typeAttr(backend)], [constant(backend, 'float32', [NaN])]);
  const weights = oneHot(backend, labels, classes, constant(backend, 'float32', [-1 / batch]));
  const picked = op(backend, 'Mul', weights, logProbs);
  return freeing([weights, picked], sum(backend, picked, [0, 1], false));
}

/** Native NLL_LOSS (3 TF ops). Out-of-range labels give a zero row, so zero loss, as on wasm and the generic path. */
export const nllLossNative: KernelFunc = (args) => {
  const { logProbs, labels } = args.inputs as LossInputs;
  return nllMean(args.backend as unknown as NativeBackend, logProbs as TensorInfo, labels);
};

/** Native SOFTMAX_CROSS_ENTROPY: LogSoftmax, then the NLL's three ops. */
export const softmaxCrossEntropyNative: KernelFunc = (args) => {
  const { logits, labels } = args.inputs as LossInputs;
  const backend = args.backend as unknown as NativeBackend;
  const logProbs = op(backend, 'LogSoftmax', logits as TensorInfo);
  return freeing([logProbs], nllMean(backend, logProbs, labels));
};

/** Native NLL_LOSS_GRAD: -onehot · dy / batch as one Mul (dy by a cached -1/batch) and one OneHot with it at the label. */
export const nllLossGradNative: KernelFunc = (args) => {
  const { logProbs, labels, dy } = args.inputs as LossInputs;
  const backend = args.backend as unknown as NativeBackend;
  const [batch, classes] = (logProbs as TensorInfo).shape as [number, number];
  const scale = op(backend, 'Mul', dy as TensorInfo, constant(backend, 'float32', [-1 / batch]));
  return freeing([scale], oneHot(backend, labels, classes, scale));
};

/**
 * Native SOFTMAX_CROSS_ENTROPY_GRAD: (softmax - onehot) · dy / batch, zero rows for out-of-range labels, as
 * softmax · rowScale - onehot · s with s = dy / batch and rowScale = Σ_classes onehot · s (s or 0): 6 TF ops.
 */
export const softmaxCrossEntropyGradNative: KernelFunc = (args) => {
  const { logits, labels, dy } = args.inputs as LossInputs;
  const backend = args.backend as unknown as NativeBackend;
  const [batch, classes] = (logits as TensorInfo).shape as [number, number];
  const scale = op(backend, 'Mul', dy as TensorInfo, constant(backend, 'float32', [1 / batch]));
  const scaledOneHot = oneHot(backend, labels, classes, scale);
  const rowScale = sum(backend, scaledOneHot, [1], true);
  const softmax = op(backend, 'Softmax', logits as TensorInfo);
  const weighted = op(backend, 'Mul', softmax, rowScale);
  return freeing([scale, scaledOneHot, rowScale, softmax, weighted], op(backend, 'Sub', weighted, scaledOneHot));
};

/** Native LOG_SOFTMAX: TF's LogSoftmax, one op for the generic path's six. */
export const logSoftmaxNative: KernelFunc = (args) => {
  const { logits } = args.inputs as { logits: TensorInfo };
  return op(args.backend as unknown as NativeBackend, 'LogSoftmax', logits);
};

/** Native LOG_SOFTMAX_GRAD: dy - exp(y) · Σ_classes dy (Exp, Sum, Mul, Sub), the generic gradient's ops. */
export const logSoftmaxGradNative: KernelFunc = (args) => {
  const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
  const backend = args.backend as unknown as NativeBackend;
  const total = sum(backend, dy, [y.shape.length - 1], true);
  const softmax = op(backend, 'Exp', y);
  const product = op(backend, 'Mul', total, softmax);
  return freeing([total, softmax, product], op(backend, 'Sub', dy, product));
};

/** SGD_UPDATE, the losses and LOG_SOFTMAX (and their gradients' kernels) for native TensorFlow; native_kernels.ts registers them. */
export const NATIVE_TRAIN_KERNEL_CONFIGS: readonly KernelConfig[] = [
  { kernelName: SGD_UPDATE, backendName: NATIVE_BACKEND, kernelFunc: sgdUpdateNative },
  { kernelName: NLL_LOSS, backendName: NATIVE_BACKEND, kernelFunc: nllLossNative },
  { kernelName: NLL_LOSS_GRAD, backendName: NATIVE_BACKEND, kernelFunc: nllLossGradNative },
  { kernelName: SOFTMAX_CROSS_ENTROPY, backendName: NATIVE_BACKEND, kernelFunc: softmaxCrossEntropyNative },
  { kernelName: SOFTMAX_CROSS_ENTROPY_GRAD, backendName: NATIVE_BACKEND, kernelFunc: softmaxCrossEntropyGradNative },
  { kernelName: LOG_SOFTMAX, backendName: NATIVE_BACKEND, kernelFunc: logSoftmaxNative },
  { kernelName: LOG_SOFTMAX_GRAD, backendName: NATIVE_BACKEND, kernelFunc: logSoftmaxGradNative },
];
