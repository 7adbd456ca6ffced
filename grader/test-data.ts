// The test splits the grader evaluates on, loaded through the course's data module once per process and cached.
import { loadFashionMnist, loadMnist, toTensor } from '../src/data/index.js';
import type { DatasetName } from './exercises.js';

/** A labeled test split held as flat arrays. */
export interface TestSet {
  dataset: DatasetName;
  /** Pixels in [0, 1] (torchvision's ToTensor), row-major [count, 28, 28, 1]. */
  images: Float32Array;
  /** Class ids 0..9, [count]. */
  labels: Int32Array;
  count: number;
  /** Where the split came from, and a note when it is not the official split (Fashion-MNIST rebuilt offline). */
  description: string;
}

/** Loads a split; the default reads the 10,000-image test sets. Replaceable for tests and other courses. */
export type TestSetLoader = (dataset: DatasetName) => Promise<TestSet>;

/** The official test splits have 10,000 images each. */
export const OFFICIAL_TEST_COUNT = 10_000;
const IMAGE_PIXELS = 28 * 28;

const cache = new Map<DatasetName, Promise<TestSet>>();

/** Default loader: the test split of MNIST or Fashion-MNIST, cached per dataset so a server parses it once. */
export const loadOfficialTestSet: TestSetLoader = (dataset) => {
  let pending = cache.get(dataset);
  if (!pending) {
    pending = readTestSet(dataset);
    pending.catch(() => cache.delete(dataset));
    cache.set(dataset, pending);
  }
  return pending;
};

/** The first `limit` images of a test set (views, no copy). */
export function firstImages(testSet: TestSet, limit: number): TestSet {
  const count = Math.min(limit, testSet.count);
  return { ...testSet, images: testSet.images.subarray(0, count * IMAGE_PIXELS), labels: testSet.labels.subarray(0, count), count };
}

async function readTestSet(dataset: DatasetName): Promise<TestSet> {
  const options = { train: false, transform: toTensor(), log: () => undefined };
  const split = dataset === 'mnist' ? await loadMnist(options) : await loadFashionMnist(options);
  const { images, labels } = split.gather(Int32Array.from({ length: split.length }, (_, i) => i));
  return { dataset, images, labels, count: split.length, description: split.description };
}
