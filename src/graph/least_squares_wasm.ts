// Seed 004's least-squares SGD iteration on wasm in one pass: rows copied on the heap, two products, the rest in loops.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { matrixProduct } from '../backend/dense_kernels.js';
import { floatsOf, infoOf, WASM_BACKEND } from '../backend/wasm_calls.js';
import type { LeastSquaresStep } from './least_squares.js';
import { countCorrect } from './wasm_step.js';

type Data = { xTrain: tf.Tensor2D; yTrain: tf.Tensor2D; xTest: tf.Tensor2D; yTest: tf.Tensor1D };

/** Rows `indices` of `table` [rows, columns] into a new [indices.length, columns] tensor on the heap (the caller frees it). */
function gatherRows(backend: BackendWasm, table: TensorInfo, indices: Int32Array): TensorInfo {
  const columns = table.shape[1] as number;
  const out = backend.makeOutput([indices.length, columns], 'float32');
  const [source, target] = [floatsOf(backend, table), floatsOf(backend, out)];
  indices.forEach((row, i) => target.set(source.subarray(row * columns, (row + 1) * columns), i * columns));
  return out;
}

/**
 * sgdTrain's iteration on wasm: W [features, classes] starts at zero and stays on the heap; each step copies the
 * minibatch rows, forms XW by matrixProduct (our gemm or XNNPack, whichever is cheaper), the residual XW - Y and the
 * loss 0.5·||XW - Y||² / n in one loop, the test accuracy when asked (before the update), and Xᵀ(XW - Y) by another
 * product, then W -= learningRate · gradient / n with the eager ops' float32 roundings. Undefined off wasm or for
 * data not in float32.
 */
export function compileWasmLeastSquaresStep(data: Data, learningRate: number): LeastSquaresStep | undefined {
  if (tf.getBackend() !== WASM_BACKEND || data.xTrain.dtype !== 'float32' || data.yTrain.dtype !== 'float32' || data.xTest.dtype !== 'float32') return undefined;
  const backend = tf.backend() as BackendWasm;
  const kernelBackend = backend as unknown as KernelBackend;
  const [features, classes] = [data.xTrain.shape[1], data.yTrain.shape[1]];
  const testLabels = Int32Array.from(data.yTest.dataSync());
  let weight: TensorInfo | undefined = backend.makeOutput([features, classes], 'float32');
  floatsOf(backend, weight).fill(0);
  const live = (): TensorInfo => {
    if (weight === undefined) throw new Error('This least-squares step was disposed.');
    return weight;
  };
  const lr = Math.fround(learningRate);
  return {
    step(indices, withAccuracy) {
      const w = live();
      const temporaries: TensorInfo[] = [];
      const made = (t: TensorInfo): TensorInfo => (temporaries.push(t), t);
      try {
        const rows = indices.dataSync() as Int32Array;
        const x = made(gatherRows(backend, infoOf(data.xTrain), rows));
        const y = made(gatherRows(backend, infoOf(data.yTrain), rows));
        const residual = made(matrixProduct(kernelBackend, x, w, false, false));
        const n = indices.size;
        const [r, targets] = [floatsOf(backend, residual), floatsOf(backend, y)];
        let squares = 0;
        r.forEach((p, i) => {
          r[i] = p - (targets[i] as number);
          squares += (r[i] as number) ** 2;
        });
        const loss = tf.scalar(Math.fround((0.5 * squares) / n));
        let accuracy: tf.Scalar | undefined;
        if (withAccuracy) {
          const scores = made(matrixProduct(kernelBackend, infoOf(data.xTest), w, false, false));
          accuracy = tf.scalar(Math.fround(countCorrect(floatsOf(backend, scores), testLabels, classes) / testLabels.length));
        }
        const gradientInfo = made(matrixProduct(kernelBackend, x, residual, true, false));
        // A new W, not W updated in place: XNNPack keeps its packed copy of a right operand by tensor (the test
        // product above), and would multiply by the old values.
        const next = backend.makeOutput(w.shape, 'float32');
        const [gradient, previous, values] = [floatsOf(backend, gradientInfo), floatsOf(backend, w), floatsOf(backend, next)];
        const f = Math.fround;
        gradient.forEach((g, i) => {
          values[i] = f((previous[i] as number) - f(f(g / n) * lr));
        });
        made(w);
        weight = next;
        return accuracy === undefined ? { loss } : { loss, accuracy };
      } finally {
        for (const t of temporaries) backend.disposeData(t.dataId);
      }
    },
    weight: () => tf.tensor2d(floatsOf(backend, live()).slice(), [features, classes]),
    dispose() {
      if (weight !== undefined) backend.disposeData(weight.dataId);
      weight = undefined;
    },
  };
}
