// Pixel transforms on whole batches (ToTensor, Normalize, Compose), printed like torchvision's.

/**
 * An elementwise map of pixel values, applied in place to a whole batch.
 * It must treat every element on its own (no neighbours, no statistics of the batch): datasets rely on
 * that to apply it once to the 256 possible byte values and then gather pixels through that table.
 */
export interface Transform {
  /** Maps every value of `values` in place and returns it. */
  apply(values: Float32Array): Float32Array;
  /** The torchvision-style name, e.g. `ToTensor()`. */
  toString(): string;
}

/** Number of distinct uint8 pixel values. */
const BYTE_VALUES = 256;
/** Largest uint8 pixel value: ToTensor maps it to 1. */
const MAX_BYTE = 255;

/**
 * Scales uint8 pixels 0..255 to floats in [0, 1], like `transforms.ToTensor()`.
 * (The channel order is not moved: TF.js keeps channels last, [28, 28, 1], where torch prints [1, 28, 28].)
 */
export function toTensor(): Transform {
  return {
    apply(values) {
      for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / MAX_BYTE;
      return values;
    },
    toString: () => 'ToTensor()',
  };
}

/**
 * `(x - mean) / std`, like `transforms.Normalize(mean, std)`. MNIST has one channel, so mean and std are
 * one number (or a one-element array, printed as a Python tuple: `Normalize(mean=(0.5,), std=(0.5,))`).
 * @example compose([toTensor(), normalize([0.1307], [0.3081])])  // the usual MNIST statistics
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const m = singleChannel(mean, 'mean');
  const s = singleChannel(std, 'std');
  if (s === 0) throw new RangeError('normalize: std must not be 0');
  return {
    apply(values) {
      for (let i = 0; i < values.length; i++) values[i] = ((values[i] as number) - m) / s;
      return values;
    },
    toString: () => `Normalize(mean=${pythonRepr(mean)}, std=${pythonRepr(std)})`,
  };
}

/** Applies transforms in order, like `transforms.Compose([...])`. */
export function compose(transforms: readonly Transform[]): Transform {
  const steps = [...transforms];
  return {
    apply(values) {
      for (const step of steps) step.apply(values);
      return values;
    },
    toString: () => `Compose(\n${steps.map((step) => indent(String(step), '    ')).join('\n')}\n)`,
  };
}

/**
 * The transform applied to each byte value 0..255: entry `v` is what pixel value `v` becomes.
 * Without a transform the table is the identity (pixels stay 0..255, as floats).
 */
export function lookupTable(transform?: Transform): Float32Array {
  const table = Float32Array.from({ length: BYTE_VALUES }, (_, value) => value);
  return transform ? transform.apply(table) : table;
}

/** One-hot rows: `out[i * numClasses + labels[i]] = 1`, shape [labels.length, numClasses]. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!(label >= 0 && label < numClasses)) throw new RangeError(`oneHot: label ${label} is not in 0..${numClasses - 1}`);
    out[i * numClasses + label] = 1;
  }
  return out;
}

function singleChannel(value: number | readonly number[], what: string): number {
  const values = typeof value === 'number' ? [value] : value;
  if (values.length !== 1 || typeof values[0] !== 'number') {
    throw new RangeError(`normalize: MNIST images have one channel, so ${what} needs one value; got ${values.length}`);
  }
  return values[0];
}

// Python prints a one-element tuple as "(0.5,)"; torchvision prints mean and std as they were given.
function pythonRepr(value: number | readonly number[]): string {
  if (typeof value === 'number') return String(value);
  return value.length === 1 ? `(${value[0]},)` : `(${value.join(', ')})`;
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((line) => prefix + line).join('\n');
}
