// A picture of misclassified test digits (a PNG grid through the course's imshow), titled with prediction and truth.
import { imshow } from '../src/plot/index.js';
import type { Misclassified } from './checks.js';
import type { GradeResult } from './grade.js';
import { loadOfficialTestSet } from './test-data.js';
import type { TestSet, TestSetLoader } from './test-data.js';

const IMAGE_PIXELS = 28 * 28;

/** PNG bytes of the first `count` misclassified images of `testSet`, titled `pred P / true T`, ten per row. */
export function misclassifiedGridPng(testSet: TestSet, wrong: readonly Misclassified[], count = 20): Uint8Array {
  const shown = wrong.slice(0, count).filter((m) => m.index < testSet.count);
  if (shown.length === 0) throw new RangeError('misclassifiedGridPng needs at least one misclassified image inside the test set');
  const images = shown.map((m) => testSet.images.subarray(m.index * IMAGE_PIXELS, (m.index + 1) * IMAGE_PIXELS));
  return imshow(images, {
    titles: shown.map((m) => `pred ${m.predicted} / true ${m.label}`),
    titleColors: shown.map(() => '#c0392b'),
    cols: 10,
    range: [0, 1],
  }).png;
}

/**
 * The grid for a grade, drawn from this machine's copy of the test split; null when the grade lists no
 * misclassified images or this copy is not the split the grader used (indices would point at other images).
 */
export async function misclassifiedGridForResult(result: GradeResult, count = 20, loadTestSet: TestSetLoader = loadOfficialTestSet): Promise<Uint8Array | null> {
  if (result.dataset === null || result.misclassified.length === 0 || count <= 0) return null;
  const testSet = await loadTestSet(result.dataset);
  if (result.evaluatedOn !== null && testSet.description !== result.evaluatedOn) return null;
  return misclassifiedGridPng(testSet, result.misclassified, count);
}
