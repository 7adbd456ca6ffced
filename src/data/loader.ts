// DataLoader: batches of any Dataset as new tensors, shuffled each epoch by the course's seeded generator.
import * as tf from '@tensorflow/tfjs';
import { type Generator, createGenerator, defaultRng, randperm } from '../random/index.js';
import type { Dataset } from './dataset.js';
import { oneHot } from './transforms.js';

/** DataLoader options; the defaults are torch's. */
export interface DataLoaderOptions {
  /** Samples per batch; default 1, as in torch. */
  readonly batchSize?: number;
  /** Visit samples in a new random order every epoch; default false. */
  readonly shuffle?: boolean;
  /** Skip the last batch when it is smaller than batchSize; default false. */
  readonly dropLast?: boolean;
  /** Seed of this loader's own generator; default: the course's default generator (see `setSeed`). */
  readonly seed?: number;
  /** Images as [B, prod(sampleShape)], e.g. [B, 784], instead of [B, ...sampleShape]; default false. */
  readonly flatten?: boolean;
  /** Labels as float32 one-hot rows [B, numClasses] instead of int32 [B]; default false. */
  readonly oneHot?: boolean;
}

/** One batch: images float32 [B, 28, 28, 1] (or [B, 784]); labels int32 [B] (or float32 [B, numClasses]). */
export interface Batch {
  readonly images: tf.Tensor;
  readonly labels: tf.Tensor;
}

/**
 * Iterates over a dataset in batches, like `torch.utils.data.DataLoader`. Every `for ... of` is one epoch.
 * Each batch is made of NEW tensors that the caller owns: dispose them (or run the step in `tf.tidy`).
 * @example
 * const loader = new DataLoader(train, { batchSize: 100, shuffle: true });
 * for (const { images, labels } of loader) { step(images, labels); tf.dispose([images, labels]); }
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly flatten: boolean;
  readonly oneHot: boolean;
  /** Batches per epoch, like `len(loader)`. */
  readonly length: number;
  readonly #generator: Generator | undefined;

  constructor(dataset: Dataset, options: DataLoaderOptions = {}) {
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.flatten = options.flatten ?? false;
    this.oneHot = options.oneHot ?? false;
    this.length = this.dropLast ? Math.floor(dataset.length / batchSize) : Math.ceil(dataset.length / batchSize);
    this.#generator = options.seed === undefined ? undefined : createGenerator(options.seed);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    // The default generator is read at the start of each epoch, so a setSeed after construction counts.
    const order = this.shuffle ? randperm(this.dataset.length, this.#generator ?? defaultRng()) : identity(this.dataset.length);
    for (let batch = 0; batch < this.length; batch++) {
      const start = batch * this.batchSize;
      yield this.#makeBatch(order.subarray(start, Math.min(start + this.batchSize, order.length)));
    }
  }

  // The gathered arrays become the tensors' storage: TF.js backends keep a reference to the array they are
  // given (cpu, webgl, node read it lazily), so the loader allocates one per batch instead of reusing one.
  #makeBatch(indices: Int32Array): Batch {
    const { images, labels } = this.dataset.gather(indices);
    const count = indices.length;
    const sampleShape = this.flatten ? [this.dataset.sampleShape.reduce((a, b) => a * b, 1)] : this.dataset.sampleShape;
    const numClasses = this.dataset.numClasses;
    return {
      images: tf.tensor(images, [count, ...sampleShape], 'float32'),
      labels: this.oneHot ? tf.tensor2d(oneHot(labels, numClasses), [count, numClasses], 'float32') : tf.tensor1d(labels, 'int32'),
    };
  }
}

function identity(length: number): Int32Array {
  return Int32Array.from({ length }, (_, i) => i);
}
