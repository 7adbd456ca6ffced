import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/course/command.js';
import type { CodeCell, Notebook } from '../../src/course/notebook.js';
import type { CourseReport } from '../../src/course/report.js';
import { listNotebooks, NotebookNotFoundError, resolveNotebook } from '../../src/course/runner.js';
import { createFixtureProject, type FixtureProject } from './fixture-project.js';

interface Run { exitCode: number; progress: string[]; report: CourseReport; outDir: string }

let project: FixtureProject;
let passing: Run; // 01_passing in quick mode with -p batchSize=128
let failing: Run; // 02_failing in the default (full) mode

async function runCli(name: string, args: string[]): Promise<Run> {
  const outDir = join(project.root, name);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const exitCode = await main([...args, '--notebooks-dir', project.notebooksDir, '--out', outDir]);
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as CourseReport;
    return { exitCode, progress: log.mock.calls.map((call) => String(call[0])), report, outDir };
  } finally {
    log.mockRestore();
  }
}

const executed = (run: Run, name: string) => JSON.parse(readFileSync(join(run.outDir, name), 'utf8')) as Notebook;
const cellById = (notebook: Notebook, id: string) => notebook.cells.find((cell) => cell.id === id) as CodeCell;
const streamText = (cell: CodeCell, at = 0) => {
  const output = cell.outputs[at];
  return output?.output_type === 'stream' ? (Array.isArray(output.text) ? output.text.join('') : output.text) : undefined;
};

beforeAll(async () => {
  project = createFixtureProject();
  passing = await runCli('out-quick', ['01_passing', '--quick', '-p', 'batchSize=128']);
  failing = await runCli('out-full', ['02_failing.ipynb']);
});

afterAll(() => project?.dispose());

describe('npm run course on a passing notebook (quick mode)', () => {
  it('exits 0 and reports the notebook as passed', () => {
    expect(passing.exitCode).toBe(0);
    expect(passing.report).toMatchObject({ mode: 'quick', passed: 1, failed: 0 });
    expect(passing.report.notebooks[0]).toMatchObject({ notebook: '01_passing.ipynb', status: 'passed', failure: null, codeCells: 7, codeCellsRun: 7 });
  });

  it('passes the mode by environment and by the injected parameters cell', () => {
    const notebook = executed(passing, '01_passing.ipynb');
    expect(streamText(cellById(notebook, 'print'))).toBe('mode=quick env=quick batchSize=128\n');
    expect(cellById(notebook, 'injected-parameters').metadata.tags).toEqual(['injected-parameters']);
  });

  it('does not fail a cell that only writes to stderr', () => {
    const cell = cellById(executed(passing, '01_passing.ipynb'), 'stderr');
    expect(cell.outputs).toEqual([{ output_type: 'stream', name: 'stderr', text: ['Warning: a stderr-only cell\n'] }]);
    expect(cell.execution_count).toBeGreaterThan(0);
  });

  it('records displays with the update applied in place, PNG and Vega-Lite data', () => {
    const outputs = cellById(executed(passing, '01_passing.ipynb'), 'display').outputs;
    expect(outputs.map((o) => (o.output_type === 'display_data' ? Object.keys(o.data)[0] : o.output_type))).toEqual([
      'text/plain', 'image/png', 'application/vnd.vegalite.v5+json',
    ]);
    expect(outputs[0]).toMatchObject({ data: { 'text/plain': ['epoch 2/2'] } });
    expect(outputs[2]).toMatchObject({ data: { 'application/vnd.vegalite.v5+json': { mark: 'point' } } });
  });

  it('collects headline results and the backend into the report', () => {
    const nb = passing.report.notebooks[0];
    expect(nb?.results).toEqual([{ name: 'test accuracy', ours: 97.5, tutorial: 98, unit: '%', note: 'quick' }]);
    expect(nb?.backend).toBe('Backend: cpu (fixture)');
    // One line each in Jupyter: a text/plain fallback beside the machine-readable MIME type, and no echo.
    expect(cellById(executed(passing, '01_passing.ipynb'), 'result').outputs).toEqual([
      { output_type: 'display_data', metadata: {}, data: { 'application/vnd.mnist-course.backend+json': { line: 'Backend: cpu (fixture)', name: 'cpu' }, 'text/plain': ['Backend: cpu (fixture)'] } },
      { output_type: 'display_data', metadata: {}, data: { 'application/vnd.mnist-course.result+json': nb?.results[0], 'text/plain': ['test accuracy: ours 97.5 %, tutorial 98 % (quick)'] } },
    ]);
    const markdown = readFileSync(join(passing.outDir, 'report.md'), 'utf8');
    expect(markdown).toContain('| 01_passing.ipynb | test accuracy | 97.5 % | 98 % | -0.5 % | — | quick |');
  });

  it('prints progress per notebook and per cell', () => {
    expect(passing.progress[0]).toBe('▶ [1/1] 01_passing.ipynb (quick mode)');
    expect(passing.progress).toContainEqual(expect.stringMatching(/^ {2}injected parameters cell \(code 2\/7\) ok \d+\.\d s$/));
    expect(passing.progress).toContainEqual(expect.stringMatching(/^ {2}cell 7\/7 \(code 7\/7\) ok \d+\.\d s$/));
    expect(passing.progress.at(-1)).toMatch(/^1 of 1 notebooks passed in \d+\.\d s; report: .*report\.md$/);
  });
});

describe('npm run course on a failing notebook (default full mode)', () => {
  it('exits 1 and reports the failing cell by its position in the file', () => {
    expect(failing.exitCode).toBe(1);
    expect(failing.report).toMatchObject({ mode: 'full', passed: 0, failed: 1 });
    expect(failing.report.notebooks[0]).toMatchObject({
      status: 'failed', codeCells: 3, codeCellsRun: 2,
      failure: { cell: 3, status: 'error', ename: 'RangeError', evalue: 'fixture failure' },
    });
    expect(failing.progress).toContainEqual(expect.stringMatching(/^ {2}cell 3\/4 \(code 2\/3\) error \d+\.\d s$/));
    expect(failing.progress).toContainEqual(expect.stringMatching(/^✘ 02_failing.ipynb failed at cell 3: RangeError: fixture failure/));
    expect(readFileSync(join(failing.outDir, 'report.md'), 'utf8')).toContain('| 02_failing.ipynb | **FAILED** |');
  });

  it('reaches the notebook in full mode when no mode is given', () => {
    expect(streamText(cellById(executed(failing, '02_failing.ipynb'), 'ok'))).toBe('before the failure, mode=full\n');
  });

  it('keeps warnings in the stream, records the error output and runs no later cell', () => {
    const notebook = executed(failing, '02_failing.ipynb');
    const failed = cellById(notebook, 'fails');
    expect(failed.outputs.map((o) => o.output_type)).toEqual(['stream', 'error']);
    expect(streamText(failed)).toBe('Warning: printed before the error\n');
    expect(failed.outputs[1]).toMatchObject({ ename: 'RangeError', evalue: 'fixture failure' });
    expect(cellById(notebook, 'never')).toMatchObject({ outputs: [], execution_count: null });
  });
});

describe('choosing notebooks', () => {
  it('lists notebooks by name and resolves short names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'list-'));
    try {
      for (const name of ['10_b.ipynb', '02_a.ipynb', 'notes.md']) writeFileSync(join(dir, name), '{}');
      expect(listNotebooks(dir)).toEqual([join(dir, '02_a.ipynb'), join(dir, '10_b.ipynb')]);
      expect(resolveNotebook('02_a', dir)).toBe(join(dir, '02_a.ipynb'));
      expect(() => resolveNotebook('03_c', dir)).toThrow(NotebookNotFoundError);
      expect(() => resolveNotebook('03_c', dir)).toThrow(/Available: 02_a.ipynb, 10_b.ipynb/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
