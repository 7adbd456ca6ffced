import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanNotebooks, findUncleanNotebooks } from '../../src/course/clean.js';
import { readNotebook, serializeNotebook, type CodeCell } from '../../src/course/notebook.js';
import { listNotebooks } from '../../src/course/runner.js';
import { FIXTURES_DIR, REPO_ROOT } from './fixture-project.js';

describe('committed notebooks', () => {
  it('carry no outputs or execution counts (fix with `npm run course -- --clean`)', () => {
    const unclean = findUncleanNotebooks(listNotebooks(join(REPO_ROOT, 'notebooks')));
    expect(unclean.map((nb) => `${nb.path}: ${nb.cells.map((c) => `cell ${c.cell} has ${c.problem}`).join('; ')}`)).toEqual([]);
  });

  it('include the test fixtures, which are committed clean too', () => {
    expect(findUncleanNotebooks(listNotebooks(FIXTURES_DIR))).toEqual([]);
  });
});

describe('cleanNotebooks', () => {
  it('strips a notebook with outputs in place so the check passes, and leaves clean ones untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clean-'));
    try {
      cpSync(join(FIXTURES_DIR, '01_passing.ipynb'), join(dir, 'dirty.ipynb'));
      const dirty = readNotebook(join(dir, 'dirty.ipynb'));
      const cell = dirty.cells.find((c) => c.cell_type === 'code') as CodeCell;
      cell.outputs = [{ output_type: 'stream', name: 'stdout', text: 'x\n' }];
      cell.execution_count = 1;
      writeFileSync(join(dir, 'dirty.ipynb'), serializeNotebook(dirty));
      writeFileSync(join(dir, 'clean.ipynb'), serializeNotebook(readNotebook(join(FIXTURES_DIR, '02_failing.ipynb'))));
      const paths = listNotebooks(dir);
      expect(findUncleanNotebooks(paths)).toEqual([{ path: join(dir, 'dirty.ipynb'), cells: [{ cell: 2, problem: '1 output(s)' }, { cell: 2, problem: 'execution_count 1' }] }]);
      const before = readFileSync(join(dir, 'clean.ipynb'), 'utf8');
      expect(cleanNotebooks(paths)).toEqual([join(dir, 'dirty.ipynb')]);
      expect(findUncleanNotebooks(paths)).toEqual([]);
      expect(readFileSync(join(dir, 'clean.ipynb'), 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
