import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jupyterEnvironment, writeKernelSpec } from '../../src/course/jupyter.js';
import { joinLines, type Notebook, type Output } from '../../src/course/notebook.js';
import { runCourse } from '../../src/course/runner.js';
import { createFixtureProject, REPO_ROOT, type FixtureProject } from './fixture-project.js';

/** The first Python that has nbclient: $PYTHON, python3 on PATH, or Debian's (apt-get install python3-nbclient). */
function findNbclientPython(): string | null {
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((c): c is string => c !== undefined);
  return candidates.find((python) => spawnSync(python, ['-c', 'import nbclient'], { stdio: 'ignore' }).status === 0) ?? null;
}

const python = findNbclientPython();
if (python === null) console.log('nbclient.test.ts skipped: no Python with nbclient (pip install nbclient, or apt-get install python3-nbclient).');

/** Outputs per cell id, text joined, injected and metadata-only differences left out. */
function outputsById(notebook: Notebook): Record<string, Output[]> {
  const normalize = (output: Output): Output => {
    if (output.output_type === 'stream') return { ...output, text: joinLines(output.text) };
    if (output.output_type === 'error') return output;
    return { ...output, data: Object.fromEntries(Object.entries(output.data).map(([k, v]) => [k, Array.isArray(v) ? v.join('') : v])) };
  };
  return Object.fromEntries(notebook.cells.flatMap((cell) =>
    cell.cell_type === 'code' && cell.id !== 'injected-parameters' ? [[cell.id ?? '', cell.outputs.map(normalize)]] : []));
}

describe.skipIf(python === null)('compared with Python Jupyter (nbclient)', () => {
  let project: FixtureProject;
  let ours: Notebook;
  let theirs: Notebook;

  beforeAll(async () => {
    project = createFixtureProject(['01_passing.ipynb']);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await runCourse({ notebooksDir: project.notebooksDir, outDir: join(project.root, 'ours'), mode: 'quick' }).finally(() => log.mockRestore());
    ours = JSON.parse(readFileSync(join(project.root, 'ours', '01_passing.ipynb'), 'utf8')) as Notebook;
    const dataDir = join(project.root, 'jupyter');
    writeKernelSpec(dataDir);
    const target = join(project.root, 'theirs.ipynb');
    const run = spawnSync(python ?? 'python3', [join(REPO_ROOT, 'test', 'course', 'run_nbclient.py'), join(project.notebooksDir, '01_passing.ipynb'), target, project.notebooksDir], {
      env: { ...jupyterEnvironment(REPO_ROOT, dataDir), MNIST_COURSE_MODE: 'quick' }, encoding: 'utf8', timeout: 240_000,
    });
    if (run.status !== 0) throw new Error(`Expected nbclient to execute the fixture, it exited ${run.status}:\n${run.stderr}`);
    theirs = JSON.parse(readFileSync(target, 'utf8')) as Notebook;
  });

  afterAll(() => project?.dispose());

  it('produces the same outputs for every cell, display updates included', () => {
    expect(outputsById(ours)).toEqual(outputsById(theirs));
  });

  it('gives the same execution counts apart from our injected parameters cell', () => {
    const counts = (nb: Notebook) => nb.cells.flatMap((cell) => (cell.cell_type === 'code' && cell.id !== 'injected-parameters' ? [cell.execution_count] : []));
    expect(counts(theirs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(counts(ours)).toEqual([1, 3, 4, 5, 6, 7]);
  });
});
