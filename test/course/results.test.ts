// RESULTS.md is rendered from full-run reports: latest run per notebook and backend, tutorial next to ours, quick runs refused.
import { describe, expect, it } from 'vitest';
import type { CourseReport, NotebookReport } from '../../src/course/report.js';
import { renderResults, ResultsInputError } from '../../src/course/results.js';

function notebook(name: string, ours: number, seconds = 120, backend = 'TF.js backend: wasm (native TensorFlow not installed)'): NotebookReport {
  return {
    notebook: name, source: `notebooks/${name}`, executed: null, status: 'passed', seconds,
    backend, backendDetails: null, failure: null,
    results: [{ name: 'test accuracy', ours, tutorial: 0.8514, rerun: 0.8521, note: '1 epoch' }], codeCells: 3, codeCellsRun: 3,
  };
}

function report(startedAt: string, notebooks: NotebookReport[], mode: 'full' | 'quick' = 'full'): CourseReport {
  return {
    mode, startedAt, seconds: 1, passed: notebooks.length, failed: 0, notRun: [], versions: { node: 'v20', tslab: '1.0.22' },
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 24, platform: 'linux x64' }, notebooks,
  };
}

describe('renderResults', () => {
  it('puts each headline number next to the tutorial and the rerun, with time, backend and machine', () => {
    const markdown = renderResults([report('2026-01-01T00:00:00Z', [notebook('01_a.ipynb', 0.8534)])]);
    expect(markdown).toContain('| 01_a.ipynb | test accuracy | 0.8514 | 0.8521 | 0.8534 | 1 epoch | 2.0 min | wasm | passed |');
    expect(markdown).toContain('Machine: Test CPU, 2 cores, 24 GiB, linux x64.');
  });

  it('takes a notebook from the latest report that ran it', () => {
    const older = report('2026-01-01T00:00:00Z', [notebook('01_a.ipynb', 0.1)]);
    const newer = report('2026-02-01T00:00:00Z', [notebook('01_a.ipynb', 0.85)]);
    const markdown = renderResults([newer, older]);
    expect(markdown).toContain('| 0.85 |');
    expect(markdown).not.toContain('| 0.1 |');
  });

  it('keeps the latest run on each backend, side by side', () => {
    const wasm = report('2026-01-01T00:00:00Z', [notebook('01_a.ipynb', 0.8534)]);
    const native = report('2026-02-01T00:00:00Z', [notebook('01_a.ipynb', 0.8531, 60, 'TF.js backend: tensorflow (native TensorFlow found)')]);
    const rows = renderResults([wasm, native]).split('\n').filter((line) => line.startsWith('| 01_a.ipynb'));
    expect(rows).toEqual([
      '| 01_a.ipynb | test accuracy | 0.8514 | 0.8521 | 0.8531 | 1 epoch | 1.0 min | tensorflow | passed |',
      '| 01_a.ipynb | test accuracy | 0.8514 | 0.8521 | 0.8534 | 1 epoch | 2.0 min | wasm | passed |',
    ]);
  });

  it('refuses quick-mode reports', () => {
    expect(() => renderResults([report('2026-01-01T00:00:00Z', [], 'quick')])).toThrow(ResultsInputError);
  });
});
