// Seed 004 from scratch: minibatch SGD on linear least squares with one-hot targets, no autograd, no optimizer.
import * as tf from '@tensorflow/tfjs';
import { compileLeastSquaresStep, type LeastSquaresStep } from '../graph/least_squares.js';
import { createGenerator, defaultRng } from '../random/index.js';

/**
 * The tutorial's `_loss`: 0.5 * ||Y - XW||^2 / n (squared Frobenius norm), a scalar the caller owns.
 * X [n, 784], Y one-hot [n, 10], W [784, 10].
 */
export function leastSquaresLoss(x: tf.Tensor2D, y: tf.Tensor2D, weight: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.mul(0.5, tf.sum(tf.square(tf.sub(y, tf.matMul(x, weight))))), x.shape[0]) as tf.Scalar);
}

/** The tutorial's `_gradient`: X^T (XW - Y) / n, the gradient of leastSquaresLoss in W; [784, 10], caller owns. */
export function leastSquaresGradient(x: tf.Tensor2D, y: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(tf.matMul(x, tf.sub(tf.matMul(x, weight), y), true, false), x.shape[0]) as tf.Tensor2D);
}

/** The tutorial's `_acc`: fraction of rows where argmax(XW) equals the integer label; a scalar the caller owns. */
export function accuracy(x: tf.Tensor2D, labels: tf.Tensor1D, weight: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(tf.matMul(x, weight), 1), tf.cast(labels, 'int32')), 'float32')) as tf.Scalar);
}

type Data = Pick<SgdTrainOptions, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'>;

/** One iteration op by op: the minibatch loss and (when `evaluated`) test accuracy at W, and W after the step. */
function eagerIteration(data: Data, weight: tf.Tensor2D, sampled: Int32Array, evaluated: boolean, learningRate: number) {
  return tf.tidy(() => {
    const indices = tf.tensor1d(sampled, 'int32');
    const batchX = tf.gather(data.xTrain, indices);
    const batchY = tf.gather(data.yTrain, indices);
    const loss = leastSquaresLoss(batchX, batchY, weight);
    const measured = evaluated ? accuracy(data.xTest, data.yTest, weight) : undefined;
    const updated = tf.sub(weight, tf.mul(leastSquaresGradient(batchX, batchY, weight), learningRate)) as tf.Tensor2D;
    return { loss, updated, ...(measured ? { accuracy: measured } : {}) };
  });
}

/** The same iteration compiled (W stays in the graph's session, or on the wasm heap). */
function compiledIteration(step: LeastSquaresStep, sampled: Int32Array, evaluated: boolean): { loss: tf.Scalar; accuracy?: tf.Scalar } {
  const indices = tf.tensor1d(sampled, 'int32');
  try {
    return step.step(indices, evaluated);
  } finally {
    indices.dispose();
  }
}

/** Reported after each iteration when `onIteration` is given. */
export interface SgdIteration {
  /** 0-based iteration index. */
  iteration: number;
  /** Minibatch loss before this iteration's update. */
  loss: number;
  /** Test accuracy before this iteration's update, on evaluated iterations. */
  accuracy?: number;
}

/** Options of `sgdTrain`, the tutorial's `sgd_train` arguments. */
export interface SgdTrainOptions {
  /** Training images [n, 784]. */
  xTrain: tf.Tensor2D;
  /** One-hot training targets [n, 10]. */
  yTrain: tf.Tensor2D;
  /** Test images [m, 784]. */
  xTest: tf.Tensor2D;
  /** Integer test labels [m]. */
  yTest: tf.Tensor1D;
  iterations: number;
  batchSize: number;
  learningRate: number;
  /** Measure test accuracy every this many iterations (the tutorial: every one; it dominates the run time). Default 1. */
  evalEvery?: number;
  /** Seed of the minibatch sampler; default: the course's default generator (see setSeed). */
  seed?: number;
  /** Called after every iteration (then losses are read back every iteration instead of in chunks). */
  onIteration?: (event: SgdIteration) => void;
  /**
   * Run each iteration compiled: on native TensorFlow as one TensorFlow graph (src/graph/least_squares.ts: the same
   * ops, one session run instead of ~17 eager ops), on wasm as one pass of our kernels (least_squares_wasm.ts).
   * Default true; false runs the ops above one by one everywhere.
   */
  graph?: boolean;
}

/** What `sgdTrain` returns. */
export interface SgdTrainResult {
  /** Minibatch loss of every iteration, before its update (the tutorial's running_loss). */
  losses: number[];
  /** Test accuracy at the iterations in accuracyIterations, before their update (the tutorial's running_acc). */
  accuracies: number[];
  accuracyIterations: number[];
  /** Final weights [784, 10]; the caller owns and disposes it. */
  weight: tf.Tensor2D;
  /** Whether each iteration ran compiled (native TensorFlow or wasm, graph not off). */
  graph: boolean;
}

// Without a per-iteration callback, scalars are read back in chunks so the device need not sync every step.
const READ_CHUNK = 256;

/**
 * Minibatch SGD from scratch, as the tutorial's `sgd_train`: W starts at zero [784, 10]; each iteration samples
 * `batchSize` rows uniformly WITH replacement, records the minibatch loss and (every evalEvery) the test accuracy,
 * then steps W -= learningRate * gradient. Leaves no tensors behind except the returned weight.
 * @example const { losses, weight } = sgdTrain({ xTrain, yTrain, xTest, yTest, iterations: 6000, batchSize: 10, learningRate: 0.001 });
 */
export function sgdTrain(options: SgdTrainOptions): SgdTrainResult {
  const { xTrain, yTrain, xTest, yTest, iterations, batchSize, learningRate, onIteration } = options;
  const evalEvery = options.evalEvery ?? 1;
  for (const [name, value] of Object.entries({ iterations, batchSize, evalEvery })) {
    if (!Number.isInteger(value) || value < (name === 'iterations' ? 0 : 1)) {
      throw new RangeError(`sgdTrain expects ${name} to be a whole number${name === 'iterations' ? ' >= 0' : ' >= 1'}, got ${value}.`);
    }
  }
  const rng = options.seed === undefined ? defaultRng() : createGenerator(options.seed);
  const rows = xTrain.shape[0];
  let weight = tf.zeros([xTrain.shape[1], yTrain.shape[1]]) as tf.Tensor2D;
  const result: SgdTrainResult = { losses: [], accuracies: [], accuracyIterations: [], weight, graph: false };
  let pending: { iteration: number; loss: tf.Scalar; accuracy?: tf.Scalar }[] = [];
  const flush = (): void => {
    for (const item of pending) {
      const loss = item.loss.dataSync()[0] as number;
      result.losses.push(loss);
      const accuracyValue = item.accuracy ? (item.accuracy.dataSync()[0] as number) : undefined;
      if (accuracyValue !== undefined) {
        result.accuracies.push(accuracyValue);
        result.accuracyIterations.push(item.iteration);
      }
      onIteration?.({ iteration: item.iteration, loss, ...(accuracyValue !== undefined ? { accuracy: accuracyValue } : {}) });
      tf.dispose([item.loss, item.accuracy]);
    }
    pending = [];
  };
  const data = { xTrain, yTrain, xTest, yTest };
  const compiled = options.graph === false ? undefined : compileLeastSquaresStep(data, learningRate);
  result.graph = compiled !== undefined;
  const iterate = (sampled: Int32Array, evaluated: boolean): { loss: tf.Scalar; accuracy?: tf.Scalar } => {
    if (compiled !== undefined) return compiledIteration(compiled, sampled, evaluated);
    const next = eagerIteration(data, weight, sampled, evaluated, learningRate);
    weight.dispose();
    weight = next.updated;
    return next;
  };
  try {
    for (let iteration = 0; iteration < iterations; iteration++) {
      const next = iterate(Int32Array.from({ length: batchSize }, () => rng.int(rows)), iteration % evalEvery === 0);
      pending.push({ iteration, loss: next.loss, ...(next.accuracy ? { accuracy: next.accuracy } : {}) });
      if (onIteration || pending.length >= READ_CHUNK) flush();
    }
    if (compiled !== undefined) {
      weight.dispose();
      weight = compiled.weight();
    }
  } finally {
    compiled?.dispose();
  }
  flush();
  result.weight = weight;
  return result;
}
