// The course run report: per notebook status, time, backend, failing cell and headline numbers, as JSON and Markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { CellFailure } from './execute-notebook.js';
import type { CourseMode } from './mode.js';
import { formatNumber, type BackendRecord, type HeadlineResult } from './result.js';

/** The machine a course run ran on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
}

/** Describes this machine for a report. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** One line, e.g. "AMD EPYC 7B13, 2 cores, 24 GiB, linux x64". */
export function formatMachine(machine: MachineInfo): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}`;
}

export interface NotebookReport {
  /** File name, e.g. '03_mlp.ipynb'. */
  notebook: string;
  /** Where the notebook was read from and where the executed copy was written. */
  source: string;
  executed: string | null;
  status: 'passed' | 'failed';
  seconds: number;
  /** The backend line the notebook reported (recordBackend or a printed `Backend: …` line), null if none. */
  backend: string | null;
  backendDetails: BackendRecord | null;
  /** Null when the notebook passed; `cell` is null when the kernel failed before any cell. */
  failure: (Omit<CellFailure, 'cell' | 'traceback'> & { cell: number | null }) | null;
  results: HeadlineResult[];
  codeCells: number;
  codeCellsRun: number;
}

export interface CourseReport {
  mode: CourseMode;
  startedAt: string;
  seconds: number;
  passed: number;
  failed: number;
  /** Notebooks skipped because the run was interrupted (Ctrl-C). */
  notRun: string[];
  versions: { node: string; tslab: string };
  /** Where it ran, so numbers and times can be compared fairly (absent in reports from before it was recorded). */
  machine?: MachineInfo;
  notebooks: NotebookReport[];
}

/** Writes report.json and report.md into `outDir`; returns their paths. */
export function writeReport(outDir: string, report: CourseReport): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const paths = { json: join(outDir, 'report.json'), markdown: join(outDir, 'report.md') };
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.markdown, renderReportMarkdown(report));
  return paths;
}

/** Human report: one table of notebooks, one of headline numbers next to the tutorials'. */
export function renderReportMarkdown(report: CourseReport): string {
  const total = report.notebooks.length;
  const lines = [
    `# Course run (${report.mode} mode)`,
    '',
    `${report.passed} of ${total} notebooks passed in ${report.seconds.toFixed(1)} s, started ${report.startedAt} ` +
      `(Node ${report.versions.node}, tslab ${report.versions.tslab}${report.machine === undefined ? '' : `; ${formatMachine(report.machine)}`}).`,
    ...(report.notRun.length > 0 ? ['', `Interrupted: ${report.notRun.join(', ')} did not run.`] : []),
    '',
    '| Notebook | Status | Time | Backend | Failing cell |',
    '|---|---|---|---|---|',
    ...report.notebooks.map((nb) => row([
      nb.notebook,
      nb.status === 'passed' ? 'passed' : '**FAILED**',
      `${nb.seconds.toFixed(1)} s`,
      nb.backend === null ? '—' : nb.backend.split(' (')[0] ?? nb.backend, // the reason in parentheses is in report.json
      nb.failure === null ? '' : `${nb.failure.cell === null ? 'kernel' : `cell ${nb.failure.cell}`}: ${nb.failure.ename}: ${firstLine(nb.failure.evalue)}`,
    ])),
  ];
  const withResults = report.notebooks.filter((nb) => nb.results.length > 0);
  if (withResults.length > 0) {
    lines.push('', '## Headline numbers', '');
    if (report.mode === 'quick') lines.push('Quick mode trains on small subsets for a short time: these numbers only show that the notebooks run.', '');
    lines.push('| Notebook | Result | Ours | Tutorial | Ours − tutorial | Our rerun of the tutorial | Note |', '|---|---|---|---|---|---|---|');
    for (const nb of withResults) {
      for (const result of nb.results) {
        const unit = result.unit === undefined ? '' : ` ${result.unit}`;
        const value = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${formatNumber(x)}${unit}`);
        const difference = result.tutorial === null ? null : roundedDifference(result.ours, result.tutorial);
        lines.push(row([
          nb.notebook, result.name, value(result.ours), value(result.tutorial),
          difference === null ? '—' : `${difference >= 0 ? '+' : ''}${value(difference)}`,
          value(result.rerun), result.note ?? '',
        ]));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * ours - tutorial, with float noise from the subtraction (82.68 - 82.68000000000001) shown as 0: anything below
 * 1e-9 of the larger value is rounding, not a difference.
 */
function roundedDifference(ours: number, tutorial: number): number {
  const difference = ours - tutorial;
  return Math.abs(difference) <= 1e-9 * Math.max(Math.abs(ours), Math.abs(tutorial)) ? 0 : difference;
}

function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
