import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findParametersCell, findUncleanCells, injectParameters, NotebookFormatError, parametersSource, readNotebook,
  serializeNotebook, splitLines, stripOutputs, type CodeCell, type Notebook,
} from '../../src/course/notebook.js';

const code = (source: string, extra: Partial<CodeCell> = {}): CodeCell => ({
  cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null, ...extra,
});
const notebookOf = (...cells: Notebook['cells']): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe('splitLines', () => {
  it('keeps each newline with its line, like Python splitlines(keepends=True)', () => {
    expect(splitLines('a\nb\n')).toEqual(['a\n', 'b\n']);
    expect(splitLines('a\n\nb')).toEqual(['a\n', '\n', 'b']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('serializeNotebook', () => {
  it('writes Jupyter’s layout: sorted keys, one-space indent, split text, JSON MIME data kept whole', () => {
    const notebook = notebookOf(code('x\ny', {
      outputs: [{ output_type: 'display_data', metadata: {}, data: { 'text/plain': 'a\nb', 'application/vnd.vegalite.v5+json': { mark: 'point' } } }],
    }));
    const text = serializeNotebook(notebook);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n "cells": [');
    const parsed = JSON.parse(text) as Notebook;
    const cell = parsed.cells[0] as CodeCell;
    expect(cell.source).toEqual(['x\n', 'y']);
    expect(cell.outputs[0]).toEqual({ output_type: 'display_data', metadata: {}, data: { 'text/plain': ['a\n', 'b'], 'application/vnd.vegalite.v5+json': { mark: 'point' } } });
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['cells', 'metadata', 'nbformat', 'nbformat_minor']);
  });
});

describe('clean notebooks', () => {
  it('finds outputs, execution counts and timing metadata, by 1-based cell', () => {
    const notebook = notebookOf(
      { cell_type: 'markdown', metadata: {}, source: '# T' },
      code('1', { execution_count: 4, outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }] }),
      code('2', { metadata: { execution: { 'iopub.status.busy': 'x' } } }),
    );
    expect(findUncleanCells(notebook)).toEqual([
      { cell: 2, problem: '1 output(s)' }, { cell: 2, problem: 'execution_count 4' }, { cell: 3, problem: 'execution timing metadata' },
    ]);
    expect(findUncleanCells(stripOutputs(notebook))).toEqual([]);
  });

  it('keeps tags and other metadata when stripping', () => {
    const stripped = stripOutputs(notebookOf(code('1', { metadata: { tags: ['parameters'], execution: {} }, execution_count: 1 })));
    expect(stripped.cells[0]?.metadata).toEqual({ tags: ['parameters'] });
  });
});

describe('parameters', () => {
  it('injects a tagged cell after the first cell tagged parameters', () => {
    const notebook = notebookOf(code('a'), code('const mode = courseMode();', { metadata: { tags: ['parameters'] } }), code('b'));
    expect(findParametersCell(notebook)).toBe(1);
    const { notebook: injected, injectedAt } = injectParameters(notebook, { mode: 'quick', epochs: 1 });
    expect(injectedAt).toBe(2);
    expect(injected.cells.map((cell) => cell.source)).toEqual([
      'a', 'const mode = courseMode();', '// Parameters injected by the course runner.\nconst mode = "quick";\nconst epochs = 1;', 'b',
    ]);
    expect(injected.cells[2]?.metadata.tags).toEqual(['injected-parameters']);
    expect(notebook.cells).toHaveLength(3);
  });

  it('leaves a notebook without a parameters cell unchanged', () => {
    const notebook = notebookOf(code('a'));
    expect(injectParameters(notebook, { mode: 'quick' })).toEqual({ notebook, injectedAt: -1 });
  });

  it('rejects parameter names that are not identifiers', () => {
    expect(() => parametersSource({ 'batch-size': 1 })).toThrow(NotebookFormatError);
  });
});

describe('readNotebook', () => {
  it('explains what it expected when the file is not an nbformat 4 notebook', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-'));
    try {
      writeFileSync(join(dir, 'old.ipynb'), JSON.stringify({ nbformat: 3, worksheets: [] }));
      writeFileSync(join(dir, 'broken.ipynb'), '{');
      expect(() => readNotebook(join(dir, 'old.ipynb'))).toThrow(/nbformat 4 notebook.*got nbformat 3/);
      expect(() => readNotebook(join(dir, 'broken.ipynb'))).toThrow(NotebookFormatError);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
