// The OpenML `mnist_784` view of seed 001: 70,000 x 784 pixels / 256, split 50,000 / 20,000 in the original order.
import { Uint8Matrix } from './matrix.js';
import { loadMnistSplits } from './mnist.js';
import type { LoadOptions } from './load-options.js';

/** Rows of the training part; the remaining 20,000 are the validation part (the seed's 5:2 split). */
export const OPENML_TRAIN_SIZE = 50000;
/** The seed scales pixels by 1/256 (`np.float32(mnist[0] / 256)`), not 1/255 like ToTensor. */
export const OPENML_PIXEL_SCALE = 1 / 256;

/**
 * `X` [70000, 784] and `Y` [70000] as returned by `fetch_openml('mnist_784', return_X_y=True)` and scaled like
 * the seed, then split: `xTrain` [50000, 784] = X[:50000], `xValid` [20000, 784] = X[50000:]. Pixels stay bytes
 * (see Uint8Matrix); rows become floats when gathered.
 */
export interface OpenMlMnist {
  readonly X: Uint8Matrix;
  readonly Y: Int32Array;
  readonly xTrain: Uint8Matrix;
  readonly yTrain: Int32Array;
  readonly xValid: Uint8Matrix;
  readonly yValid: Int32Array;
}

/**
 * Builds OpenML's `mnist_784` from the MNIST files: it is the MNIST training set (60,000) followed by the
 * test set (10,000), in their original order. Logs one line saying where the MNIST files came from.
 * @example const { xTrain, yTrain } = await loadOpenMlMnist(); new TensorDataset(xTrain, yTrain);
 */
export async function loadOpenMlMnist(options: Omit<LoadOptions, 'train' | 'transform'> = {}): Promise<OpenMlMnist> {
  const lines: string[] = [];
  const { train, test } = await loadMnistSplits({ ...options, log: (line) => lines.push(line) });
  const pixels = new Uint8Array(train.images.length + test.images.length);
  pixels.set(train.images);
  pixels.set(test.images, train.images.length);
  const count = train.length + test.length;
  const X = new Uint8Matrix(pixels, [count, pixels.length / count], OPENML_PIXEL_SCALE);
  const Y = new Int32Array(count);
  Y.set(train.labels);
  Y.set(test.labels, train.length);
  (options.log ?? console.log)(`mnist_784 (OpenML view): MNIST train + test, ${count} x ${X.cols}; ${lines.join('; ')}`);
  return {
    X, Y,
    xTrain: X.slice(0, OPENML_TRAIN_SIZE), yTrain: Y.subarray(0, OPENML_TRAIN_SIZE),
    xValid: X.slice(OPENML_TRAIN_SIZE), yValid: Y.subarray(OPENML_TRAIN_SIZE),
  };
}
