// TensorDataset: a Dataset over given features and labels, like torch.utils.data.TensorDataset.
import * as tf from '@tensorflow/tfjs';
import { inspect } from 'node:util';
import { type Dataset, checkedIndex } from './dataset.js';
import { Uint8Matrix } from './matrix.js';

/** Options of a TensorDataset; the defaults come from the data. */
export interface TensorDatasetOptions {
  /** Shape of one sample; default: the features' shape without its first axis, e.g. [784]. */
  readonly sampleShape?: readonly number[];
  /** Number of classes; default: the largest label + 1. */
  readonly numClasses?: number;
  readonly name?: string;
}

/**
 * Pairs row i of `features` with `labels[i]`. Features are a Uint8Matrix (kept as bytes, scaled on gather)
 * or a tf.Tensor [n, ...] whose values are copied once (the caller keeps and disposes its tensor).
 * @example new TensorDataset(mnist.xTrain, mnist.yTrain)  // seed 001: TensorDataset(x_train, y_train)
 */
export class TensorDataset implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly sampleShape: readonly number[];
  readonly numClasses: number;
  readonly labels: Int32Array;
  readonly #features: Uint8Matrix | Float32Array;
  readonly #sampleSize: number;

  constructor(features: Uint8Matrix | tf.Tensor, labels: ArrayLike<number> | tf.Tensor, options: TensorDatasetOptions = {}) {
    const featureShape = features instanceof Uint8Matrix ? [...features.shape] : features.shape;
    this.length = featureShape[0] ?? 0;
    this.labels = labels instanceof tf.Tensor ? Int32Array.from(labels.dataSync()) : Int32Array.from(labels);
    if (this.labels.length !== this.length) {
      throw new RangeError(`TensorDataset: ${this.length} feature rows but ${this.labels.length} labels`);
    }
    this.sampleShape = options.sampleShape ?? featureShape.slice(1);
    this.#sampleSize = this.sampleShape.reduce((a, b) => a * b, 1);
    if (this.#sampleSize * this.length !== featureShape.reduce((a, b) => a * b, 1)) {
      throw new RangeError(`TensorDataset: sampleShape [${this.sampleShape.join(', ')}] does not fit features [${featureShape.join(', ')}]`);
    }
    this.#features = features instanceof Uint8Matrix ? features : Float32Array.from(features.dataSync());
    this.numClasses = options.numClasses ?? this.labels.reduce((max, label) => Math.max(max, label + 1), 0);
    this.name = options.name ?? 'TensorDataset';
  }

  gather(indices: ArrayLike<number>): { images: Float32Array; labels: Int32Array } {
    const labels = Int32Array.from({ length: indices.length }, (_, k) => this.labels[checkedIndex(indices[k] as number, this.length)] as number);
    if (this.#features instanceof Uint8Matrix) return { images: this.#features.gather(indices), labels };
    const size = this.#sampleSize;
    const images = new Float32Array(indices.length * size);
    for (let k = 0; k < indices.length; k++) {
      const from = (indices[k] as number) * size;
      images.set(this.#features.subarray(from, from + size), k * size);
    }
    return { images, labels };
  }

  toString(): string {
    return `${this.name}(length=${this.length}, sampleShape=[${this.sampleShape.join(', ')}], numClasses=${this.numClasses})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
