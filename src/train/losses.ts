// Loss functions with PyTorch's semantics (mean over the batch): cross-entropy, negative log-likelihood, MSE.
import * as tf from '@tensorflow/tfjs';
import { NLL_LOSS, SOFTMAX_CROSS_ENTROPY } from '../backend/loss_kernels.js';
import { ShapeError } from './errors.js';

/** A loss: model outputs and labels in, a scalar out (owned by the caller, or by the enclosing tf.tidy). */
export type LossFn = (outputs: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

function checkClassScores(name: string, scores: tf.Tensor, labels: tf.Tensor, allowProbabilities: boolean): void {
  const [batch] = scores.shape;
  const labelsOk = labels.rank === 1 ? labels.shape[0] === batch : allowProbabilities && labels.rank === 2 && tf.util.arraysEqual(labels.shape, scores.shape);
  if (scores.rank !== 2 || !labelsOk) {
    const labelForms = allowProbabilities ? 'class indices [batch] or class probabilities [batch, classes]' : 'class indices [batch]';
    throw new ShapeError(
      `${name} expects scores [batch, classes] and ${labelForms}, got [${scores.shape}] and [${labels.shape}]. ` +
        'Flatten the model output to [batch, classes] and pass one label per example.',
    );
  }
}

/**
 * Whether the active backend has our fused loss kernel `name` (src/backend: wasm) and it applies: float32 scores,
 * int32 class indices. It computes the same loss in one kernel (and its gradient in one), not ~15 small ops.
 */
function fusedLossApplies(name: string, scores: tf.Tensor, labels: tf.Tensor): boolean {
  return scores.dtype === 'float32' && labels.rank === 1 && labels.dtype === 'int32' && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Picks log p[i, labels[i]] by a one-hot mask (labels int32 [batch]) and averages its negative: [] scalar. */
function meanNegativeAtLabels(logProbs: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const classes = logProbs.shape[1] as number;
  const target = labels.rank === 1 ? tf.oneHot(tf.cast(labels, 'int32'), classes) : labels;
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbs), 1))) as tf.Scalar;
}

/**
 * nn.CrossEntropyLoss / F.cross_entropy: mean over the batch of -log softmax(logits)[label].
 * logits [batch, classes]; labels int32 class indices [batch], or class probabilities [batch, classes]
 * (one-hot labels give the same value). Labels outside [0, classes) count as zero loss (tf.oneHot), where
 * PyTorch raises. Returns a scalar the caller owns.
 * @example crossEntropy(tf.tensor2d([[2, 0]]), tf.tensor1d([0], 'int32'))  // log(1 + e^-2) = 0.1269
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  checkClassScores('crossEntropy', logits, labels, true);
  if (fusedLossApplies(SOFTMAX_CROSS_ENTROPY, logits, labels)) return tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }) as tf.Scalar;
  return tf.tidy(() => meanNegativeAtLabels(tf.logSoftmax(logits), labels));
}

/**
 * nn.NLLLoss: mean over the batch of -logProbs[i, labels[i]], for models ending in LogSoftmax.
 * logProbs [batch, classes]; labels int32 [batch]. Returns a scalar the caller owns.
 */
export function nllLoss(logProbs: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  checkClassScores('nllLoss', logProbs, labels, false);
  if (fusedLossApplies(NLL_LOSS, logProbs, labels)) return tf.engine().runKernel(NLL_LOSS, { logProbs, labels }) as tf.Scalar;
  return tf.tidy(() => meanNegativeAtLabels(logProbs, labels));
}

/**
 * nn.MSELoss: mean of (prediction - target)^2 over ALL elements (so divided by batch * 10 for one-hot
 * targets [batch, 10]). Shapes must match. Returns a scalar the caller owns.
 */
export function mseLoss(predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(predictions.shape, targets.shape)) {
    throw new ShapeError(
      `mseLoss expects predictions and targets of one shape, got [${predictions.shape}] and [${targets.shape}]. ` +
        'For class labels use one-hot targets (e.g. a loader with oneHot: true).',
    );
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(predictions, tf.cast(targets, predictions.dtype))) as tf.Scalar);
}
