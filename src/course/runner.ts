// Runs the course: each notebook on a fresh tslab kernel, executed copies and a report in the output folder.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { executeNotebook, type CellProgress } from './execute-notebook.js';
import { startKernel } from './kernel-client.js';
import { COURSE_MODE_ENV, DEFAULT_COURSE_MODE, type CourseMode } from './mode.js';
import { injectParameters, readNotebook, writeNotebook, type ParameterValue } from './notebook.js';
import { machineInfo, writeReport, type CourseReport, type NotebookReport } from './report.js';

/** Where notebooks live and where executed copies and the report go, relative to the project root. */
export const DEFAULT_NOTEBOOKS_DIR = 'notebooks';
export const DEFAULT_OUT_DIR = join('out', 'course');
/** A long cell (training) prints a "still running" line this often, so CI logs show progress. */
const HEARTBEAT_MS = 30_000;

export interface CourseOptions {
  /** Notebook paths or names (`03_mlp`, `03_mlp.ipynb`, `notebooks/03_mlp.ipynb`); default: every notebook, by name. */
  notebooks?: string[];
  /** Default {@link DEFAULT_NOTEBOOKS_DIR}. */
  notebooksDir?: string;
  /** Default {@link DEFAULT_OUT_DIR}. */
  outDir?: string;
  /** Default 'full'. Reaches the kernel as MNIST_COURSE_MODE and as `const mode` after a `parameters` cell. */
  mode?: CourseMode;
  /** More values for the injected parameters cell (`-p name=value`). */
  parameters?: Record<string, ParameterValue>;
  /** Interrupt a cell after this long; default: no limit. */
  cellTimeoutMs?: number;
  /** Kernel argv (kernel.json style); default: this project's tslab on this Node. */
  kernelArgv?: readonly string[];
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
  /** Aborting (Ctrl-C in the CLI) shuts the running kernel down and skips the remaining notebooks. */
  signal?: AbortSignal;
}

/** A notebook named on the command line does not exist. */
export class NotebookNotFoundError extends Error {
  override name = 'NotebookNotFoundError';
}

/** Every `*.ipynb` directly in `dir`, sorted by name (so 01_… runs before 02_…). */
export function listNotebooks(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith('.ipynb')).sort().map((name) => join(dir, name));
}

/** Resolves `03_mlp`, `03_mlp.ipynb` or a path to an existing notebook file. */
export function resolveNotebook(nameOrPath: string, notebooksDir: string): string {
  const candidates = [nameOrPath, join(notebooksDir, nameOrPath), join(notebooksDir, `${nameOrPath}.ipynb`)];
  const found = candidates.find((candidate) => candidate.endsWith('.ipynb') && existsSync(candidate));
  if (found === undefined) {
    throw new NotebookNotFoundError(`Expected a notebook at ${candidates.filter((c) => c.endsWith('.ipynb')).join(' or ')}, found none. Available: ${listNotebooks(notebooksDir).map((p) => basename(p)).join(', ') || 'none'}.`);
  }
  return found;
}

/** Runs the notebooks and writes executed copies plus report.json / report.md; failures are in the report. */
export async function runCourse(options: CourseOptions = {}): Promise<CourseReport> {
  const notebooksDir = options.notebooksDir ?? DEFAULT_NOTEBOOKS_DIR;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const mode = options.mode ?? DEFAULT_COURSE_MODE;
  const log = options.log ?? ((line: string) => console.log(line));
  const paths = options.notebooks?.length ? options.notebooks.map((name) => resolveNotebook(name, notebooksDir)) : listNotebooks(notebooksDir);
  const started = Date.now();
  const report: CourseReport = {
    mode,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    passed: 0,
    failed: 0,
    notRun: [],
    versions: { node: process.version, tslab: tslabVersion() },
    machine: machineInfo(),
    notebooks: [],
  };
  mkdirSync(outDir, { recursive: true });
  if (paths.length === 0) log(`No notebooks found in ${notebooksDir}/.`);
  for (const [i, path] of paths.entries()) {
    if (options.signal?.aborted) {
      report.notRun = paths.slice(i).map((p) => basename(p));
      log(`Interrupted: not running ${report.notRun.join(', ')}.`);
      break;
    }
    log(`▶ [${i + 1}/${paths.length}] ${basename(path)} (${mode} mode)`);
    const result = await runOneNotebook(path, outDir, mode, options, log);
    report.notebooks.push(result);
    report[result.status === 'passed' ? 'passed' : 'failed'] += 1;
    report.seconds = (Date.now() - started) / 1000;
    writeReport(outDir, report); // after each notebook, so an interrupted run still leaves a report
    const where = result.failure === null ? '' : ` at ${result.failure.cell === null ? 'kernel start' : `cell ${result.failure.cell}`}: ${result.failure.ename}: ${result.failure.evalue.split('\n')[0]}`;
    log(`${result.status === 'passed' ? '✔' : '✘'} ${result.notebook} ${result.status}${where} (${result.seconds.toFixed(1)} s)`);
  }
  const { markdown } = writeReport(outDir, report);
  const skipped = report.notRun.length > 0 ? ` (${report.notRun.length} not run)` : '';
  log(`${report.passed} of ${report.notebooks.length} notebooks passed${skipped} in ${report.seconds.toFixed(1)} s; report: ${markdown}`);
  return report;
}

async function runOneNotebook(path: string, outDir: string, mode: CourseMode, options: CourseOptions, log: (line: string) => void): Promise<NotebookReport> {
  const started = Date.now();
  const seconds = (): number => (Date.now() - started) / 1000;
  const base: Omit<NotebookReport, 'status' | 'seconds' | 'failure'> = {
    notebook: basename(path), source: path, executed: null, backend: null, backendDetails: null, results: [], codeCells: 0, codeCellsRun: 0,
  };
  const original = readNotebook(path);
  const { notebook, injectedAt } = injectParameters(original, { mode, ...options.parameters });
  let kernel;
  try {
    kernel = await startKernel({ cwd: resolve(dirname(path)), env: { [COURSE_MODE_ENV]: mode }, argv: options.kernelArgv });
  } catch (error) {
    return { ...base, status: 'failed', seconds: seconds(), failure: { cell: null, status: 'died', ename: (error as Error).name, evalue: (error as Error).message } };
  }
  // Ctrl-C also reaches the kernel (same process group) and fails its cell; the shutdown makes sure it exits.
  const stopKernel = (): void => { void kernel.shutdown(); };
  options.signal?.addEventListener('abort', stopKernel, { once: true });
  if (options.signal?.aborted) stopKernel();
  let heartbeat: NodeJS.Timeout | undefined;
  const label = (p: Omit<CellProgress, 'status' | 'seconds'>): string =>
    `${p.cell === null ? 'injected parameters cell' : `cell ${p.cell}/${original.cells.length}`} (code ${p.codeCell}/${p.codeCells})`;
  try {
    const execution = await executeNotebook(notebook, kernel, {
      cellTimeoutMs: options.cellTimeoutMs,
      // The injected cell has no place in the original file; cells after it move back by one.
      originalCell: (index) => (injectedAt < 0 || index < injectedAt ? index + 1 : index === injectedAt ? null : index),
      onCellStart: (progress) => {
        const cellStarted = Date.now();
        heartbeat = setInterval(() => log(`  ${label(progress)} still running (${Math.round((Date.now() - cellStarted) / 1000)} s)`), HEARTBEAT_MS);
      },
      onCellEnd: (progress) => {
        clearInterval(heartbeat);
        log(`  ${label(progress)} ${progress.status} ${progress.seconds.toFixed(1)} s`);
      },
    });
    const executed = join(outDir, basename(path));
    writeNotebook(executed, execution.notebook);
    const failure = execution.failure === null ? null : {
      cell: execution.failure.cell, status: execution.failure.status, ename: execution.failure.ename, evalue: execution.failure.evalue,
    };
    return {
      ...base,
      executed,
      status: failure === null ? 'passed' : 'failed',
      seconds: seconds(),
      backend: execution.backend?.line ?? null,
      backendDetails: execution.backend,
      failure,
      results: execution.results,
      codeCells: execution.codeCells,
      codeCellsRun: execution.codeCellsRun,
    };
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', stopKernel);
    await kernel.shutdown();
  }
}

function tslabVersion(): string {
  try {
    const packageJson = createRequire(import.meta.url).resolve('tslab/package.json');
    return String((JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version);
  } catch {
    return 'unknown';
  }
}
