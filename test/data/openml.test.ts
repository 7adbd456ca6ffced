import { beforeAll, describe, expect, it } from 'vitest';
import { type OpenMlMnist, loadOpenMlMnist } from '../../src/data/openml.js';
import { TensorDataset } from '../../src/data/tensor-dataset.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

let mnist: OpenMlMnist;
const lines: string[] = [];

beforeAll(async () => {
  const emptyRoot = await tempFolder('openml-');
  mnist = await loadOpenMlMnist({ root: emptyRoot, download: false, log: (line) => lines.push(line) });
});

describe('loadOpenMlMnist', () => {
  it('has the shapes of the seed: X [70000, 784], a 50,000 / 20,000 split', () => {
    expect(mnist.X.shape).toEqual([70000, 784]);
    expect(mnist.Y.length).toBe(70000);
    expect(mnist.xTrain.shape).toEqual([50000, 784]);
    expect(mnist.yTrain.length).toBe(50000);
    expect(mnist.xValid.shape).toEqual([20000, 784]);
    expect(mnist.yValid.length).toBe(20000);
  });

  it('has the validation labels of the seed\'s 3 x 3 grid: 3 8 6 / 9 6 4 / 5 3 8', () => {
    expect(Array.from(mnist.yValid.subarray(0, 9))).toEqual([3, 8, 6, 9, 6, 4, 5, 3, 8]);
    expect(Array.from(mnist.yTrain.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  });

  it('scales pixels by 1/256 as the seed does and puts the MNIST test set last', () => {
    expect(mnist.X.scale).toBe(1 / 256);
    const first = mnist.xTrain.row(0);
    const max = first.reduce((a, b) => Math.max(a, b), 0);
    expect(max).toBe(255 / 256);
    // MNIST test image 0 is a 7 and is row 60,000 of X (row 10,000 of the validation part).
    expect(mnist.Y[60000]).toBe(7);
    expect(Array.from(mnist.xValid.row(10000))).toEqual(Array.from(mnist.X.row(60000)));
  });

  it('logs one line', () => {
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mnist_784 \(OpenML view\): MNIST train \+ test, 70000 x 784; MNIST train: read from .*; MNIST test: read from/);
  });

  it('makes a TensorDataset of 784-pixel samples, as the seed does', () => {
    const train = new TensorDataset(mnist.xTrain, mnist.yTrain);
    expect([train.length, train.numClasses]).toEqual([50000, 10]);
    expect(train.sampleShape).toEqual([784]);
    const { images, labels } = train.gather([0, 1]);
    expect(images.length).toBe(2 * 784);
    expect(Array.from(labels)).toEqual([5, 0]);
  });
});
