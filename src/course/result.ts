// Headline numbers: a notebook reports each result next to the tutorial's, and the course runner collects them.
import { displayInKernel } from './kernel-display.js';

/** MIME type of a headline result inside a display_data bundle; the runner reads it from iopub. */
export const RESULT_MIME = 'application/vnd.mnist-course.result+json';

/** MIME type of the backend a notebook ran on (see {@link recordBackend}). */
export const BACKEND_MIME = 'application/vnd.mnist-course.backend+json';

/** One headline number of a notebook, e.g. test accuracy after training. */
export interface HeadlineResult {
  /** What was measured, e.g. 'test accuracy'. */
  name: string;
  /** Our value from this run. */
  ours: number;
  /** The value the PyTorch tutorial states; null when it states none. */
  tutorial: number | null;
  /** Our rerun of the PyTorch tutorial, when we made one. */
  rerun?: number;
  /** Unit shared by all values, e.g. '%'. */
  unit?: string;
  /** Context a reader needs to compare fairly, e.g. 'quick mode: 1 epoch on 2,000 images'. */
  note?: string;
}

/** What a backend report carries: a human line plus any structured details (backend name, device, versions). */
export interface BackendRecord {
  line: string;
  [detail: string]: unknown;
}

/** A result whose fields do not have the expected types. */
export class ResultFormatError extends Error {
  override name = 'ResultFormatError';
}

/**
 * Prints a headline result and, inside the tslab kernel, also hands it to the course runner.
 *
 * In Jupyter the cell shows one line; the runner puts the numbers into out/course/report.md. Returns nothing, so
 * that tslab does not echo the object when the call ends a cell.
 *
 * @example
 * reportResult({ name: 'test accuracy', ours: 98.1, tutorial: 98.0, unit: '%', note: 'after 14 epochs' });
 * // test accuracy: ours 98.1 %, tutorial 98 % (after 14 epochs)
 */
export function reportResult(result: HeadlineResult): void {
  checkResult(result);
  const line = formatResult(result);
  if (!displayInKernel({ 'text/plain': line, [RESULT_MIME]: result })) console.log(line);
}

/**
 * Prints which backend the notebook runs on and, inside the kernel, records it for the runner's report.
 * `reportBackend` of the backend module calls this; notebooks call that one.
 */
export function recordBackend(line: string, details: Record<string, unknown> = {}): void {
  const record: BackendRecord = { ...details, line };
  if (!displayInKernel({ 'text/plain': line, [BACKEND_MIME]: record })) console.log(line);
}

/** The one-line human form, e.g. `test accuracy: ours 98.1 %, tutorial 98 %, rerun 97.9 % (note)`. */
export function formatResult(result: HeadlineResult): string {
  const value = (x: number): string => `${formatNumber(x)}${result.unit === undefined ? '' : ` ${result.unit}`}`;
  const parts = [`ours ${value(result.ours)}`, `tutorial ${result.tutorial === null ? 'n/a' : value(result.tutorial)}`];
  if (result.rerun !== undefined) parts.push(`rerun ${value(result.rerun)}`);
  const note = result.note === undefined ? '' : ` (${result.note})`;
  return `${result.name}: ${parts.join(', ')}${note}`;
}

/** Four significant digits: enough to compare accuracies and losses, short enough to read. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function checkResult(result: HeadlineResult): void {
  const problems: string[] = [];
  if (typeof result.name !== 'string' || result.name.trim() === '') problems.push(`name should be a non-empty string, got ${JSON.stringify(result.name)}`);
  if (!Number.isFinite(result.ours)) problems.push(`ours should be a finite number, got ${String(result.ours)}`);
  if (result.tutorial !== null && !Number.isFinite(result.tutorial)) problems.push(`tutorial should be a finite number or null, got ${String(result.tutorial)}`);
  if (result.rerun !== undefined && !Number.isFinite(result.rerun)) problems.push(`rerun should be a finite number when given, got ${String(result.rerun)}`);
  if (problems.length > 0) {
    throw new ResultFormatError(`reportResult: ${problems.join('; ')}. Pass plain numbers, e.g. (await evaluate(...)).accuracy.`);
  }
}
