import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/course/command.js';
import type { CodeCell, Notebook } from '../../src/course/notebook.js';
import type { CourseReport } from '../../src/course/report.js';
import { createFixtureProject, type FixtureProject } from './fixture-project.js';

let project: FixtureProject;
let outDir: string;
let exitCode: number;
let progress: string[];
let report: CourseReport;

const executed = (name: string) => JSON.parse(readFileSync(join(outDir, name), 'utf8')) as Notebook;
const cellById = (notebook: Notebook, id: string) => notebook.cells.find((cell) => cell.id === id) as CodeCell;
const text = (value: unknown) => (Array.isArray(value) ? value.join('') : String(value));

beforeAll(async () => {
  project = createFixtureProject();
  outDir = join(project.root, 'out');
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  exitCode = await main(['--quick', '-p', 'batchSize=128', '--notebooks-dir', project.notebooksDir, '--out', outDir]);
  progress = log.mock.calls.map((call) => String(call[0]));
  log.mockRestore();
  report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as CourseReport;
});

afterAll(() => project?.dispose());

describe('npm run course on the fixture notebooks', () => {
  it('runs every notebook by name and exits 1 because some failed', () => {
    expect(exitCode).toBe(1);
    expect(report.notebooks.map((nb) => [nb.notebook, nb.status])).toEqual([
      ['01_passing.ipynb', 'passed'], ['02_failing.ipynb', 'failed'],
    ]);
    expect(report).toMatchObject({ mode: 'quick', passed: 1, failed: 1 });
  });

  it('reports the failing cell by its position in the file and runs no later cell', () => {
    const failing = report.notebooks[1];
    expect(failing?.failure).toEqual({ cell: 3, status: 'error', ename: 'RangeError', evalue: 'fixture failure' });
    expect(failing?.codeCellsRun).toBe(2);
    const notebook = executed('02_failing.ipynb');
    const failed = cellById(notebook, 'fails');
    expect(failed.outputs.map((o) => o.output_type)).toEqual(['stream', 'error']);
    expect(text((failed.outputs[0] as { text: unknown }).text)).toBe('Warning: printed before the error\n');
    expect(failed.outputs[1]).toMatchObject({ ename: 'RangeError', evalue: 'fixture failure' });
    expect(cellById(notebook, 'never')).toMatchObject({ outputs: [], execution_count: null });
  });

  it('does not fail a cell that only writes to stderr', () => {
    const cell = cellById(executed('01_passing.ipynb'), 'stderr');
    expect(cell.outputs).toEqual([{ output_type: 'stream', name: 'stderr', text: ['Warning: a stderr-only cell\n'] }]);
    expect(cell.execution_count).toBeGreaterThan(0);
  });

  it('passes the mode by environment and by the injected parameters cell', () => {
    const notebook = executed('01_passing.ipynb');
    expect(text((cellById(notebook, 'print').outputs[0] as { text: unknown }).text)).toBe('mode=quick env=quick batchSize=128\n');
    expect(cellById(notebook, 'injected-parameters').metadata.tags).toEqual(['injected-parameters']);
  });

  it('records displays with the update applied in place, PNG and Vega-Lite data', () => {
    const outputs = cellById(executed('01_passing.ipynb'), 'display').outputs;
    expect(outputs.map((o) => (o.output_type === 'display_data' ? Object.keys(o.data)[0] : o.output_type))).toEqual([
      'text/plain', 'image/png', 'application/vnd.vegalite.v5+json',
    ]);
    expect(outputs[0]).toMatchObject({ data: { 'text/plain': ['epoch 2/2'] } });
    expect(outputs[2]).toMatchObject({ data: { 'application/vnd.vegalite.v5+json': { mark: 'point' } } });
  });

  it('collects headline results and the backend into the report', () => {
    const passing = report.notebooks[0];
    expect(passing?.results).toEqual([{ name: 'test accuracy', ours: 97.5, tutorial: 98, unit: '%', note: 'quick' }]);
    expect(passing?.backend).toBe('Backend: cpu (fixture)');
    const markdown = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(markdown).toContain('| 01_passing.ipynb | test accuracy | 97.5 % | 98 % | -0.5 % | — | quick |');
    expect(markdown).toContain('| 02_failing.ipynb | **FAILED** |');
  });

  it('prints progress per notebook and per cell', () => {
    expect(progress[0]).toBe('▶ [1/2] 01_passing.ipynb (quick mode)');
    expect(progress).toContainEqual(expect.stringMatching(/^ {2}cell 3\/4 \(code 2\/3\) error \d+\.\d s$/));
    expect(progress).toContainEqual(expect.stringMatching(/^✘ 02_failing.ipynb failed at cell 3: RangeError: fixture failure/));
  });

  it('exits 0 for a passing notebook named on the command line, in full mode by default', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const fullOut = join(project.root, 'out-full');
    const code = await main(['01_passing', '--notebooks-dir', project.notebooksDir, '--out', fullOut]).finally(() => log.mockRestore());
    expect(code).toBe(0);
    const notebook = JSON.parse(readFileSync(join(fullOut, '01_passing.ipynb'), 'utf8')) as Notebook;
    expect(text((cellById(notebook, 'print').outputs[0] as { text: unknown }).text)).toBe('mode=full env=full batchSize=64\n');
  });
});
