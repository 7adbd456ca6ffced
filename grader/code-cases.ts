// Hidden seeded test cases and the trusted reference for the least-squares gradient exercise, plus diagnoses of common mistakes.
import { createGenerator } from '../src/random/index.js';
import type { SandboxCallResult } from './sandbox.js';

/** One hidden case: X [n, d], Y [n, k], W [d, k] as nested arrays of numbers. */
export interface LeastSquaresCase {
  n: number;
  d: number;
  k: number;
  X: number[][];
  Y: number[][];
  W: number[][];
}

/**
 * Seeded cases for the given [n, d, k] shapes. X and W are uniform in [-1, 1); Y is one-hot (as in the
 * notebook's MNIST labels) when k = 10 and uniform otherwise, so a solution cannot assume either.
 */
export function leastSquaresCases(shapes: ReadonlyArray<readonly [number, number, number]>, seed: number): LeastSquaresCase[] {
  const rng = createGenerator(seed);
  const uniform = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => 2 * rng.next() - 1));
  return shapes.map(([n, d, k]) => {
    const X = uniform(n, d);
    const W = uniform(d, k);
    const Y = k === 10 ? Array.from({ length: n }, () => { const row = new Array<number>(k).fill(0); row[rng.int(k)] = 1; return row; }) : uniform(n, k);
    return { n, d, k, X, Y, W };
  });
}

/** Trusted reference in float64: X^T (X W - Y) / n, the gradient of 0.5 ||X W - Y||^2 / n with respect to W, [d, k] row-major. */
export function leastSquaresGradient({ n, d, k, X, Y, W }: LeastSquaresCase): Float64Array {
  const residual = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const x = X[i] as number[];
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let m = 0; m < d; m++) sum += (x[m] as number) * ((W[m] as number[])[j] as number);
      residual[i * k + j] = sum - ((Y[i] as number[])[j] as number);
    }
  }
  const gradient = new Float64Array(d * k);
  for (let m = 0; m < d; m++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += ((X[i] as number[])[m] as number) * (residual[i * k + j] as number);
      gradient[m * k + j] = sum / n;
    }
  }
  return gradient;
}

/** Result of one hidden case, with a hint when the answer matches a known mistake. */
export interface CodeCaseResult {
  shape: [number, number, number];
  passed: boolean;
  maxAbsError: number | null;
  message: string;
}

/** Compares one sandbox result with the reference; `tolerance` is abs + rel * max |want|. */
export function judgeCase(testCase: LeastSquaresCase, result: SandboxCallResult | undefined, absTolerance: number, relTolerance: number): CodeCaseResult {
  const shape: [number, number, number] = [testCase.n, testCase.d, testCase.k];
  if (!result) return { shape, passed: false, maxAbsError: null, message: 'not run: an earlier case timed out' };
  if (!result.ok) return { shape, passed: false, maxAbsError: null, message: `threw ${result.error}` };
  const want = leastSquaresGradient(testCase);
  const { d, k } = testCase;
  const size = result.values.length;
  const shapeOk = size === d * k && (result.shape.length === 1 || (result.shape[0] === d && result.shape[1] === k));
  if (!shapeOk) {
    const transposed = result.shape[0] === k && result.shape[1] === d;
    const hint = transposed ? ' It looks transposed: the gradient has the shape of W, [d, k].' : ' The gradient has the shape of W, [d, k].';
    return { shape, passed: false, maxAbsError: null, message: `returned shape ${JSON.stringify(result.shape)}, expected [${d}, ${k}].${hint}` };
  }
  const scale = Math.max(...want.map(Math.abs));
  const tolerance = absTolerance + relTolerance * scale;
  const error = maxAbsDifference(result.values, want, 1);
  if (error <= tolerance) return { shape, passed: true, maxAbsError: error, message: `max |error| ${error.toExponential(2)} <= ${tolerance.toExponential(2)}` };
  return { shape, passed: false, maxAbsError: error, message: `max |error| ${formatError(error)} > ${tolerance.toExponential(2)}.${diagnose(result.values, want, testCase.n, tolerance)}` };
}

function diagnose(got: number[], want: Float64Array, n: number, tolerance: number): string {
  const hints: Array<[number, string]> = [
    [n, ' It equals the reference times n: divide by n, the batch size.'],
    [-1, ' It equals minus the reference: the residual is X W - Y, not Y - X W.'],
    [2, ' It is twice the reference: the loss has a factor 0.5 that cancels the 2 from the square.'],
    [1 / n, ' It equals the reference divided by n once more: divide by n only once.'],
  ];
  for (const [factor, hint] of hints) if (n !== 1 || factor === -1 || factor === 2) if (maxAbsDifference(got, want, factor) <= tolerance * Math.max(1, Math.abs(factor))) return hint;
  if (got.some((value) => Number.isNaN(value))) return ' Some values are NaN or not numbers: check every index stays inside the arrays.';
  return '';
}

function maxAbsDifference(got: number[], want: Float64Array, factor: number): number {
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const difference = Math.abs((got[i] as number) - factor * (want[i] as number));
    if (Number.isNaN(difference)) return Number.POSITIVE_INFINITY;
    if (difference > max) max = difference;
  }
  return max;
}

function formatError(error: number): string {
  return Number.isFinite(error) ? error.toExponential(2) : String(error);
}
