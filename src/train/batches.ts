// What training and evaluation read: any iterable of { images, labels } batches, and helpers on one batch.
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';

/** One batch: images [batch, 28, 28, 1] or [batch, 784]; labels int32 [batch] or one-hot float32 [batch, classes]. */
export interface Batch {
  images: tf.Tensor;
  labels: tf.Tensor;
}

/**
 * Anything that yields batches, such as a DataLoader; `length` (batches per pass) when known.
 * fit and evaluate dispose each batch after using it, as the DataLoader contract says the consumer must.
 */
export type BatchSource = (Iterable<Batch> | AsyncIterable<Batch>) & { length?: number };

/** Class indices int32 [batch] from labels given as indices [batch] or one-hot / probabilities [batch, classes]. */
export function classIndices(labels: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => (labels.rank === 2 ? tf.argMax(labels, 1) : tf.cast(labels, 'int32')) as tf.Tensor1D);
}

/** Number of rows whose highest output is the label: an int32 scalar the caller owns. */
export function countCorrect(outputs: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), classIndices(labels)), 'int32')) as tf.Scalar);
}

/** Throws a ShapeError when a batch's image shape does not fit the model's input, saying how to fix it. */
export function checkBatchFits(model: tf.LayersModel, images: tf.Tensor): void {
  const expected = model.inputs[0]?.shape.slice(1) ?? [];
  const got = images.shape.slice(1);
  if (expected.length === got.length && expected.every((d, i) => d === null || d === got[i])) return;
  const hint =
    expected.length === 1
      ? 'The model takes flat images: build the loader with flatten: true, or the model with inputShape: [28, 28, 1].'
      : 'The model takes image batches: build the loader without flatten, or the model with inputShape: [784].';
  throw new ShapeError(`Expected image batches [batch, ${expected.join(', ')}] for model "${model.name}", got [${images.shape.join(', ')}]. ${hint}`);
}

/** Disposes a batch's tensors (fit and evaluate own each batch once they have it). */
export function disposeBatch(batch: Batch): void {
  tf.dispose([batch.images, batch.labels]);
}
