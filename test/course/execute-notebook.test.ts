import { describe, expect, it } from 'vitest';
import { executeNotebook, type CellRunner } from '../../src/course/execute-notebook.js';
import type { ExecuteOptions, ExecuteOutcome } from '../../src/course/kernel-client.js';
import type { CodeCell, Notebook } from '../../src/course/notebook.js';
import { buildMessage } from '../../src/course/protocol.js';
import { RESULT_MIME } from '../../src/course/result.js';

/** A scripted kernel: each cell's source names what it does, so the tests read like notebooks. */
function fakeKernel(): CellRunner & { ran: string[] } {
  const ran: string[] = [];
  let exitReason: string | null = null;
  const emit = (options: ExecuteOptions, type: string, content: Record<string, unknown>) => options.onMessage(buildMessage(type, content, 's'));
  return {
    ran,
    get exitReason() { return exitReason; },
    log: 'FATAL ERROR: JavaScript heap out of memory\n',
    async execute(code: string, options: ExecuteOptions): Promise<ExecuteOutcome> {
      ran.push(code);
      const done = (status: ExecuteOutcome['status']): ExecuteOutcome => ({ status, executionCount: status === 'ok' ? ran.length : null, elapsedMs: 5 });
      switch (code) {
        case 'result':
          emit(options, 'display_data', { data: { 'text/plain': 'acc', [RESULT_MIME]: JSON.stringify({ name: 'acc', ours: 1, tutorial: 2 }) }, metadata: {} });
          return done('ok');
        case 'backend line':
          emit(options, 'stream', { name: 'stdout', text: 'TF.js backend: wasm (native TensorFlow not installed)\n' });
          return done('ok');
        case 'hang':
          emit(options, 'stream', { name: 'stderr', text: 'Error: Interrupted asynchronously\n' });
          return done('timeout');
        case 'oom':
          exitReason = 'was killed by SIGKILL';
          return done('died');
        default:
          return done('ok');
      }
    },
  };
}

const notebookOf = (...sources: string[]): Notebook => ({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: [{ cell_type: 'markdown', metadata: {}, source: '# t' }, ...sources.map((source): CodeCell => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null }))],
});

describe('executeNotebook', () => {
  it('collects results sent as JSON text and takes the printed TF.js backend line as the backend', async () => {
    const run = await executeNotebook(notebookOf('backend line', 'result'), fakeKernel());
    expect(run.failure).toBeNull();
    expect(run.results).toEqual([{ name: 'acc', ours: 1, tutorial: 2 }]);
    expect(run.backend).toEqual({ line: 'wasm (native TensorFlow not installed)' });
    expect(run.notebook.cells.map((cell) => (cell.cell_type === 'code' ? cell.execution_count : 'md'))).toEqual(['md', 1, 2]);
  });

  it('reports a timed-out cell with a CellTimeoutError and stops there', async () => {
    const kernel = fakeKernel();
    const run = await executeNotebook(notebookOf('a', 'hang', 'b'), kernel, { cellTimeoutMs: 2000 });
    expect(kernel.ran).toEqual(['a', 'hang']);
    expect(run.failure).toMatchObject({ cell: 3, status: 'timeout', ename: 'CellTimeoutError' });
    expect(run.failure?.evalue).toMatch(/within 2 s/);
    expect((run.notebook.cells[2] as CodeCell).outputs.map((o) => o.output_type)).toEqual(['stream', 'error']);
    expect(run.codeCellsRun).toBe(2);
  });

  it('reports a kernel that died with its exit reason and log', async () => {
    const run = await executeNotebook(notebookOf('oom', 'b'), fakeKernel());
    expect(run.failure).toMatchObject({ cell: 2, status: 'died', ename: 'KernelDiedError' });
    expect(run.failure?.evalue).toMatch(/was killed by SIGKILL/);
    expect(run.failure?.traceback[0]).toMatch(/heap out of memory/);
  });

  it('numbers cells by their place in the original file and reports progress', async () => {
    const seen: string[] = [];
    await executeNotebook(notebookOf('a', 'b'), fakeKernel(), {
      originalCell: (index) => (index === 1 ? null : index),
      onCellEnd: (p) => seen.push(`${p.cell}:${p.codeCell}/${p.codeCells}:${p.status}`),
    });
    expect(seen).toEqual(['null:1/2:ok', '2:2/2:ok']);
  });

  it('does not change the notebook it was given', async () => {
    const notebook = notebookOf('result');
    await executeNotebook(notebook, fakeKernel());
    expect((notebook.cells[1] as CodeCell).outputs).toEqual([]);
  });
});
