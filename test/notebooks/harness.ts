// Runs one course notebook in quick mode through the real tslab kernel and gives tests easy access to its outputs.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_ENV } from '../../grader/store.js';
import type { CodeCell, Notebook, Output } from '../../src/course/notebook.js';
import type { NotebookReport } from '../../src/course/report.js';
import { runCourse } from '../../src/course/runner.js';

/** One executed notebook: its report entry and its cells' outputs. */
export interface QuickRun {
  report: NotebookReport;
  notebook: Notebook;
  /** Every code cell's stdout text, joined, in order. */
  text: string;
  /** All outputs of all code cells, in order. */
  outputs: Output[];
  /** The value of a headline result by name (throws if the notebook did not report it). */
  result(name: string): number;
}

/**
 * Executes `notebooks/<name>.ipynb` in quick mode (the notebooks import dist/, so build first: `npm test` does).
 * Grader submissions go to a throwaway SQLite file, not the student's own.
 */
export async function runQuick(name: string): Promise<QuickRun> {
  const outDir = mkdtempSync(join(tmpdir(), `nb-${name}-`));
  process.env[DATABASE_ENV] = join(outDir, 'grader.sqlite');
  const course = await runCourse({ notebooks: [name], mode: 'quick', outDir, log: () => {} });
  const report = course.notebooks[0];
  if (report === undefined) throw new Error(`runCourse returned no report for ${name}`);
  if (report.executed === null) throw new Error(`${name} did not run: ${JSON.stringify(report.failure)}`);
  const notebook = JSON.parse(readFileSync(report.executed, 'utf8')) as Notebook;
  const cells = notebook.cells.filter((cell): cell is CodeCell => cell.cell_type === 'code');
  const outputs = cells.flatMap((cell) => cell.outputs);
  const text = outputs
    .map((output) => (output.output_type === 'stream' && output.name === 'stdout' ? joinText(output.text) : ''))
    .join('');
  return {
    report, notebook, text, outputs,
    result(resultName: string): number {
      const found = report.results.find((r) => r.name === resultName);
      if (found === undefined) throw new Error(`${name} reported no result named '${resultName}'; it reported: ${report.results.map((r) => r.name).join(', ')}`);
      return found.ours;
    },
  };
}

/** Outputs of one MIME type, e.g. 'image/png' or 'application/vnd.vegalite.v5+json'. */
export function outputsOfType(run: QuickRun, mime: string): unknown[] {
  return run.outputs.flatMap((output) =>
    (output.output_type === 'display_data' || output.output_type === 'execute_result') && mime in output.data ? [output.data[mime]] : []);
}

function joinText(text: string | string[]): string {
  return Array.isArray(text) ? text.join('') : text;
}
