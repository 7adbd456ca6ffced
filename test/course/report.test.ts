import { describe, expect, it } from 'vitest';
import { renderReportMarkdown, type CourseReport, type NotebookReport } from '../../src/course/report.js';

const notebook = (overrides: Partial<NotebookReport>): NotebookReport => ({
  notebook: '01_a.ipynb', source: 'notebooks/01_a.ipynb', executed: 'out/course/01_a.ipynb', status: 'passed', seconds: 1.25,
  backend: 'tensorflow', backendDetails: null, failure: null, results: [], codeCells: 3, codeCellsRun: 3, ...overrides,
});
const report = (notebooks: NotebookReport[], mode: 'quick' | 'full' = 'full'): CourseReport => ({
  mode, startedAt: '2025-01-01T00:00:00.000Z', seconds: 3.5, passed: 1, failed: 1, notRun: [],
  versions: { node: 'v20.20.2', tslab: '1.0.22' }, notebooks,
});

describe('renderReportMarkdown', () => {
  it('lists each notebook with status, time, backend and failing cell', () => {
    const text = renderReportMarkdown(report([
      notebook({ backend: 'wasm (native TensorFlow not installed)' }),
      notebook({ notebook: '02_b.ipynb', status: 'failed', backend: null, failure: { cell: 4, status: 'error', ename: 'TSError', evalue: "1:1 - a | b\n2:1 - c" } }),
      notebook({ notebook: '03_c.ipynb', status: 'failed', failure: { cell: null, status: 'died', ename: 'KernelStartError', evalue: 'gone' } }),
    ]));
    expect(text).toContain('# Course run (full mode)\n\n1 of 3 notebooks passed in 3.5 s');
    expect(text).toContain('| 01_a.ipynb | passed | 1.3 s | wasm |  |');
    expect(text).toContain('| 02_b.ipynb | **FAILED** | 1.3 s | — | cell 4: TSError: 1:1 - a \\| b |');
    expect(text).toContain('| 03_c.ipynb | **FAILED** | 1.3 s | tensorflow | kernel: KernelStartError: gone |');
    expect(text).not.toContain('Headline numbers');
  });

  it('puts each headline number next to the tutorial’s with the difference, and warns in quick mode', () => {
    const text = renderReportMarkdown(report([notebook({
      results: [
        { name: 'test accuracy', ours: 98.25, tutorial: 98, rerun: 97.9, unit: '%', note: '14 epochs' },
        { name: 'loss', ours: 0.05, tutorial: null },
        { name: 'MSE accuracy', ours: 82.68, tutorial: 82.68000000000001, unit: '%' },
      ],
    })], 'quick'));
    expect(text).toContain('Quick mode trains on small subsets');
    expect(text).toContain('| 01_a.ipynb | test accuracy | 98.25 % | 98 % | +0.25 % | 97.9 % | 14 epochs |');
    expect(text).toContain('| 01_a.ipynb | loss | 0.05 | — | — | — |  |');
    expect(text).toContain('| 01_a.ipynb | MSE accuracy | 82.68 % | 82.68 % | +0 % | — |  |');
  });
});
