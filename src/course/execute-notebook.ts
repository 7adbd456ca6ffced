// Runs a notebook's code cells one by one on a kernel, records outputs, stops at the first failing cell.
import type { ExecuteStatus, KernelClient } from './kernel-client.js';
import { joinLines, type CodeCell, type ErrorOutput, type Notebook } from './notebook.js';
import { errorFromStderr, OutputCollector } from './outputs.js';
import type { JupyterMessage } from './protocol.js';
import { BACKEND_MIME, RESULT_MIME, type BackendRecord, type HeadlineResult } from './result.js';

/** Why a notebook stopped: the failing cell (1-based position among all cells of the file) and its error. */
export interface CellFailure {
  cell: number;
  status: Exclude<ExecuteStatus, 'ok'>;
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Progress of one code cell, reported after it finished. */
export interface CellProgress {
  /** 1-based position among all cells of the file (null for a cell the runner injected). */
  cell: number | null;
  /** 1-based position among code cells, and their count. */
  codeCell: number;
  codeCells: number;
  status: ExecuteStatus;
  seconds: number;
}

export interface ExecuteNotebookOptions {
  /** Interrupt a cell after this long; undefined waits forever. */
  cellTimeoutMs?: number;
  /** Maps a cell index of `notebook` to its position in the original file, or null for injected cells. */
  originalCell?: (index: number) => number | null;
  /** Called when a cell starts and when it ends. */
  onCellStart?: (progress: Omit<CellProgress, 'status' | 'seconds'>) => void;
  onCellEnd?: (progress: CellProgress) => void;
}

export interface NotebookExecution {
  /** The notebook with outputs and execution counts; cells after a failure stay unexecuted. */
  notebook: Notebook;
  failure: CellFailure | null;
  results: HeadlineResult[];
  backend: BackendRecord | null;
  codeCellsRun: number;
  codeCells: number;
}

/**
 * A printed line such as `TF.js backend: wasm (native TensorFlow not installed: …)` (what initBackend logs) or
 * `Backend: cpu` is taken as the backend when the notebook displayed no backend record.
 */
const BACKEND_LINE = /^(?:TF\.js )?backend:\s*(.+)$/im;

/** What the executor needs of a kernel; {@link KernelClient} in practice, a fake in tests. */
export type CellRunner = Pick<KernelClient, 'execute' | 'exitReason' | 'log'>;

/** Executes `notebook` (not mutated) on `kernel`; never throws for cell failures, it returns them. */
export async function executeNotebook(notebook: Notebook, kernel: CellRunner, options: ExecuteNotebookOptions = {}): Promise<NotebookExecution> {
  const executed: Notebook = structuredClone(notebook);
  const outputs = new OutputCollector();
  const records = new RecordCollector();
  const codeIndices = executed.cells.flatMap((cell, index) => (cell.cell_type === 'code' ? [index] : []));
  const originalCell = options.originalCell ?? ((index: number) => index + 1);
  const finish = (codeCellsRun: number, failure: CellFailure | null): NotebookExecution => ({
    notebook: executed, failure, results: records.results, backend: records.backend(), codeCellsRun, codeCells: codeIndices.length,
  });

  for (const [codeOrdinal, index] of codeIndices.entries()) {
    const cell = executed.cells[index] as CodeCell;
    cell.outputs = [];
    cell.execution_count = null;
    const where = { cell: originalCell(index), codeCell: codeOrdinal + 1, codeCells: codeIndices.length };
    options.onCellStart?.(where);
    const onMessage = (message: JupyterMessage): void => {
      outputs.handle(cell.outputs, message);
      records.handle(message);
    };
    const outcome = await kernel.execute(joinLines(cell.source), { onMessage, timeoutMs: options.cellTimeoutMs });
    cell.execution_count = outcome.executionCount;
    options.onCellEnd?.({ ...where, status: outcome.status, seconds: outcome.elapsedMs / 1000 });
    if (outcome.status === 'ok') continue;
    const error = errorOutput(outcome.status, cell, kernel, options.cellTimeoutMs);
    cell.outputs.push(error);
    const { ename, evalue, traceback } = error;
    return finish(codeOrdinal + 1, { cell: where.cell ?? index + 1, status: outcome.status, ename, evalue, traceback });
  }
  return finish(codeIndices.length, null);
}

/** Picks headline results and the backend out of a notebook's iopub messages. */
class RecordCollector {
  readonly results: HeadlineResult[] = [];
  private record: BackendRecord | null = null;
  private printedLine: string | null = null;

  handle(message: JupyterMessage): void {
    if (message.header.msg_type === 'stream') {
      this.printedLine ??= BACKEND_LINE.exec(String(message.content['text']))?.[1]?.trim() ?? null;
    }
    if (message.header.msg_type !== 'display_data') return;
    const data = message.content['data'] as Record<string, unknown> | undefined;
    const result = parseRecord<HeadlineResult>(data?.[RESULT_MIME]);
    if (result !== null) this.results.push(result);
    this.record = parseRecord<BackendRecord>(data?.[BACKEND_MIME]) ?? this.record;
  }

  /** The displayed backend record, else the printed backend line, else null. */
  backend(): BackendRecord | null {
    return this.record ?? (this.printedLine === null ? null : { line: this.printedLine });
  }
}

function errorOutput(status: Exclude<ExecuteStatus, 'ok'>, cell: CodeCell, kernel: CellRunner, timeoutMs: number | undefined): ErrorOutput {
  switch (status) {
    case 'error':
      return errorFromStderr(cell.outputs);
    case 'abort':
      return { output_type: 'error', ename: 'AbortedError', evalue: 'The kernel aborted this cell because an earlier request failed.', traceback: [] };
    case 'timeout':
      return {
        output_type: 'error',
        ename: 'CellTimeoutError',
        evalue: `The cell did not finish within ${(timeoutMs ?? 0) / 1000} s and was interrupted. Raise --timeout or make the cell faster (quick mode: --quick).`,
        traceback: [],
      };
    case 'died':
      return {
        output_type: 'error',
        ename: 'KernelDiedError',
        evalue: `The kernel ${kernel.exitReason ?? 'stopped'} while running this cell${diedBecause(kernel.log)}.`,
        traceback: kernel.log.split('\n'),
      };
  }
}

/** The kernel's last error line (e.g. an uncaught exception), else the usual suspect. */
function diedBecause(log: string): string {
  const errors = log.split('\n').filter((line) => /^\s*\w*(Error|Exception)\b.*:/.test(line));
  const last = errors[errors.length - 1];
  return last === undefined ? ' (out of memory is the usual cause)' : `: ${last.trim()}`;
}

function parseRecord<T>(value: unknown): T | null {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as T;
    } catch {
      return null;
    }
  }
  return value !== null && typeof value === 'object' ? (value as T) : null;
}
