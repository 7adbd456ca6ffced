// Evaluating a model on a loader: loss, accuracy, confusion matrix and every prediction, in eval mode.
import * as tf from '@tensorflow/tfjs';
import { checkBatchFits, classIndices, disposeBatch, type BatchSource } from './batches.js';
import type { LossFn } from './losses.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Also report this loss. */
  loss?: LossFn;
}

/** What `evaluate` measured. */
export interface EvaluateResult {
  /** Mean of the per-batch mean losses, as the tutorials compute it (present when a loss was given). */
  loss?: number;
  /** Correct predictions / examples. Seed 000 averages per-batch accuracies instead: equal for equal batches. */
  accuracy: number;
  /** confusion[trueLabel][predictedLabel] counts. */
  confusion: number[][];
  /** Predicted class of every example, in loader order. */
  predictions: Int32Array;
  /** Number of examples seen. */
  examples: number;
}

/**
 * Runs `model` in inference mode (BatchNorm uses its running averages) over every batch of `loader`,
 * disposing each batch. Reads predictions back once per batch; leaves no tensors behind.
 * @example const { accuracy, confusion } = await evaluate(model, testLoader, { loss: crossEntropy });
 */
export async function evaluate(model: tf.LayersModel, loader: BatchSource, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const predictions: number[] = [];
  let confusion: number[][] = [];
  let lossSum = 0;
  let batches = 0;
  let correct = 0;
  for await (const batch of loader) {
    try {
      checkBatchFits(model, batch.images);
      const { predicted, truth, loss } = tf.tidy(() => {
        const outputs = model.apply(batch.images, { training: false }) as tf.Tensor;
        if (confusion.length === 0) {
          const classes = outputs.shape[1] as number;
          confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
        }
        return {
          predicted: tf.argMax(outputs, 1),
          truth: classIndices(batch.labels),
          loss: options.loss ? options.loss(outputs, batch.labels) : undefined,
        };
      });
      const predictedValues = predicted.dataSync();
      const truthValues = truth.dataSync();
      if (loss) lossSum += loss.dataSync()[0] as number;
      tf.dispose([predicted, truth, loss]);
      for (let i = 0; i < predictedValues.length; i++) {
        const p = predictedValues[i] as number;
        const t = truthValues[i] as number;
        predictions.push(p);
        if (p === t) correct++;
        const row = confusion[t];
        if (row !== undefined) row[p] = (row[p] ?? 0) + 1;
      }
      batches++;
    } finally {
      disposeBatch(batch);
    }
  }
  const examples = predictions.length;
  return {
    ...(options.loss ? { loss: batches > 0 ? lossSum / batches : NaN } : {}),
    accuracy: examples > 0 ? correct / examples : NaN,
    confusion,
    predictions: Int32Array.from(predictions),
    examples,
  };
}
