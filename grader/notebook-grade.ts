// `grader grade`: runs a student's notebook headless on a fresh tslab kernel and collects what its submit() calls recorded.
import { dirname, resolve } from 'node:path';
import { COURSE_MODE_ENV, executeNotebook, injectParameters, readNotebook, startKernel } from '../src/course/index.js';
import type { CellFailure, CourseMode } from '../src/course/index.js';
import { SERVER_URL_ENV } from './client.js';
import { DATABASE_ENV, GradeStore } from './store.js';
import type { AttemptRecord } from './store.js';

/** Options of `gradeNotebook`. */
export interface GradeNotebookOptions {
  notebook: string;
  /** The gradebook the notebook's submit() calls record into (local mode is forced). */
  databasePath: string;
  /** Who the attempts should belong to; attempts recorded under another id are reported as mismatches. */
  studentId?: string;
  /** Course mode for the kernel (quick runs train briefly). Default 'full'. */
  mode?: CourseMode;
  /** Interrupt a cell after this long; default none. */
  cellTimeoutMs?: number;
  log?: (line: string) => void;
}

/** What running the notebook produced. */
export interface NotebookGrade {
  /** The first failing cell (an error reply from the kernel); TF.js warnings on stderr are not failures. */
  failure: CellFailure | null;
  codeCellsRun: number;
  codeCells: number;
  /** Attempts the run recorded. */
  attempts: AttemptRecord[];
  /** Attempts recorded under a student id other than `studentId`. */
  mismatched: AttemptRecord[];
}

/**
 * Executes every code cell in order on a new kernel whose submit() grades locally into `databasePath`
 * (MNIST_GRADER_URL is blanked for the kernel), then lists the attempts that appeared.
 */
export async function gradeNotebook(options: GradeNotebookOptions): Promise<NotebookGrade> {
  const log = options.log ?? ((line: string) => console.log(line));
  const store = GradeStore.open({ path: options.databasePath });
  const lastId = store.attempts().at(-1)?.id ?? 0;
  store.close();
  const mode = options.mode ?? 'full';
  const path = resolve(options.notebook);
  const { notebook, injectedAt } = injectParameters(readNotebook(path), { mode, ...(options.studentId ? { student_id: options.studentId } : {}) });
  const kernel = await startKernel({
    cwd: dirname(path),
    env: { [DATABASE_ENV]: resolve(options.databasePath), [SERVER_URL_ENV]: '', [COURSE_MODE_ENV]: mode },
  });
  let execution;
  try {
    execution = await executeNotebook(notebook, kernel, {
      ...(options.cellTimeoutMs === undefined ? {} : { cellTimeoutMs: options.cellTimeoutMs }),
      // Report cell numbers of the student's file: the injected parameters cell has none, later cells move back by one.
      originalCell: (index) => (injectedAt < 0 || index < injectedAt ? index + 1 : index === injectedAt ? null : index),
      onCellEnd: (progress) => log(`  cell ${progress.cell ?? '(injected parameters)'} ${progress.status} ${progress.seconds.toFixed(1)} s`),
    });
  } finally {
    await kernel.shutdown();
  }
  const after = GradeStore.open({ path: options.databasePath });
  const attempts = after.attempts().filter((attempt) => attempt.id > lastId);
  after.close();
  return {
    failure: execution.failure,
    codeCellsRun: execution.codeCellsRun,
    codeCells: execution.codeCells,
    attempts,
    mismatched: options.studentId ? attempts.filter((attempt) => attempt.studentId !== options.studentId) : [],
  };
}
