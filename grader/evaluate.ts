// Runs a loaded model over a test split in batches and returns its predicted classes; cooperative timeout between batches.
import * as tf from '@tensorflow/tfjs';
import { EvaluationTimeoutError } from './errors.js';
import type { TestSet } from './test-data.js';

/** Options of `predictClasses`; defaults fit a 2-core server. */
export interface PredictOptions {
  /** Images per forward pass; 500 keeps a large CNN's activations under ~1 GB. */
  batchSize?: number;
  /** Stop with EvaluationTimeoutError once this much time has passed (checked between batches). */
  timeoutMs?: number;
}

/**
 * Predicted class (argmax of the 10 outputs) for every image of `testSet`, as Int32Array [count].
 * Feeds [batch, 28, 28, 1] or [batch, 784] to match the model's input. Leaves no tensors behind; the
 * caller keeps ownership of `model`.
 */
export async function predictClasses(model: tf.LayersModel, testSet: TestSet, options: PredictOptions = {}): Promise<Int32Array> {
  const batchSize = options.batchSize ?? 500;
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  const inputShape = model.inputs[0]?.shape ?? [null, 28, 28, 1];
  const pixelShape = inputShape.length === 2 ? [784] : [28, 28, 1];
  const predictions = new Int32Array(testSet.count);
  for (let start = 0; start < testSet.count; start += batchSize) {
    const count = Math.min(batchSize, testSet.count - start);
    const batch = tf.tidy(() => {
      const images = tf.tensor(testSet.images.subarray(start * 784, (start + count) * 784), [count, ...pixelShape]);
      const output = model.predict(images) as tf.Tensor;
      return output.argMax(-1);
    });
    predictions.set(await batch.data(), start);
    batch.dispose();
    // Yield so the server keeps answering (413s, 503s) while a long evaluation runs, then check the clock.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (Date.now() > deadline) throw new EvaluationTimeoutError(options.timeoutMs ?? 0);
  }
  return predictions;
}
