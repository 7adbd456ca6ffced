// Boundary checks on chart data: finite numbers, non-empty series, matching lengths.
import { PlotDataError } from './errors.js';

/** Anything plotly accepts as a 1-D column: arrays and typed arrays. */
export type Column = ArrayLike<unknown>;

/**
 * Copies `values` into a number array, throwing `PlotDataError` on NaN, ±Infinity or non-numbers.
 * `what` names the data in the message, e.g. `trace 1 ("train") y`.
 */
export function finiteNumbers(values: Column, what: string): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new PlotDataError(
        'non-finite',
        `${what}[${i}] is ${String(v)}; expected a finite number. ` +
          'A NaN loss usually means training diverged: lower the learning rate, or drop those points before plotting.',
      );
    }
    out[i] = v;
  }
  return out;
}

/** Throws `PlotDataError` when a series has no points. */
export function requireNonEmpty(values: Column | undefined, what: string): void {
  if (values === undefined || values.length === 0) {
    throw new PlotDataError('empty', `${what} is empty; expected at least one value. Pass data before plotting.`);
  }
}

/** Throws `PlotDataError` when two columns that pair up point by point differ in length. */
export function requireSameLength(a: Column, b: Column, whatA: string, whatB: string): void {
  if (a.length !== b.length) {
    throw new PlotDataError(
      'length-mismatch',
      `${whatA} has ${a.length} values but ${whatB} has ${b.length}; expected one ${whatA} per ${whatB}. ` +
        'Check that both come from the same run.',
    );
  }
}

/** Category labels (x of bars, heatmap axes) as strings; numbers are fine, NaN is not. */
export function categoryLabels(values: Column, what: string): string[] {
  return Array.from(values, (v, i) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new PlotDataError('non-finite', `${what}[${i}] is ${String(v)}; expected a label (string or finite number).`);
    }
    return String(v);
  });
}
