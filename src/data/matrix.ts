// A compact [rows, cols] matrix of bytes times a scale: 70,000 x 784 MNIST floats in 55 MB instead of 220 MB.
import * as tf from '@tensorflow/tfjs';
import { checkedIndex } from './dataset.js';

/**
 * `data[r * cols + c] * scale` for row r, column c: float values stored as bytes, like the seed's
 * `np.float32(X / 256)` but four times smaller. Rows are converted to floats only when read.
 * @example x.slice(50000).shape  // [20000, 784], a view like x[50000:]
 */
export class Uint8Matrix {
  readonly data: Uint8Array;
  readonly shape: readonly [number, number];
  readonly scale: number;

  constructor(data: Uint8Array, shape: readonly [number, number], scale = 1) {
    if (data.length !== shape[0] * shape[1]) {
      throw new RangeError(`Uint8Matrix: shape [${shape.join(', ')}] needs ${shape[0] * shape[1]} bytes, got ${data.length}`);
    }
    this.data = data;
    this.shape = shape;
    this.scale = scale;
  }

  get rows(): number {
    return this.shape[0];
  }

  get cols(): number {
    return this.shape[1];
  }

  /** Rows [start, end) as a view (no copy), like Python's `x[start:end]`. */
  slice(start: number, end: number = this.rows): Uint8Matrix {
    const from = Math.max(0, Math.min(start, this.rows));
    const to = Math.max(from, Math.min(end, this.rows));
    return new Uint8Matrix(this.data.subarray(from * this.cols, to * this.cols), [to - from, this.cols], this.scale);
  }

  /** Row `index` scaled to floats, a new Float32Array [cols]. */
  row(index: number): Float32Array {
    return this.gather([index]);
  }

  /** The rows at `indices`, scaled, in one new Float32Array [indices.length * cols]. */
  gather(indices: ArrayLike<number>): Float32Array {
    const { cols, scale, data } = this;
    const out = new Float32Array(indices.length * cols);
    for (let k = 0; k < indices.length; k++) {
      const from = checkedIndex(indices[k] as number, this.rows) * cols;
      for (let c = 0; c < cols; c++) out[k * cols + c] = (data[from + c] as number) * scale;
    }
    return out;
  }

  /** All rows as a float32 tensor [rows, cols]; the caller owns and disposes it. */
  toTensor(): tf.Tensor2D {
    const out = new Float32Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.data[i] as number) * this.scale;
    return tf.tensor2d(out, [this.rows, this.cols], 'float32');
  }

  toString(): string {
    return `Uint8Matrix [${this.rows}, ${this.cols}] x ${this.scale}`;
  }
}
