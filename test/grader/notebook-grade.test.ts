import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradeNotebook } from '../../grader/notebook-grade.js';
import { tempDir } from './fixtures.js';

// Notebooks import the built package, as students' notebooks do; `npm test` builds before testing.
const BUILT = path.resolve(import.meta.dirname, '../../dist/grader/index.js');

function notebook(cells: string[]): object {
  return {
    cells: [
      { cell_type: 'code', metadata: { tags: ['parameters'] }, execution_count: null, outputs: [], source: ["let student_id = 'nobody';"] },
      ...cells.map((source) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: [source] })),
    ],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const SUBMIT_CELL = `function gradient(X: number[][], Y: number[][], W: number[][]): number[][] {
  const n = X.length;
  const r = X.map((x, i) => W[0].map((_, j) => x.reduce((s, v, m) => s + v * W[m][j], 0) - Y[i][j]));
  return W.map((_, m) => W[0].map((_, j) => r.reduce((s, ri, i) => s + X[i][m] * ri[j], 0) / n));
}
await submit({ studentId: student_id, name: 'Ada', assignmentId: '14_sgd-from-scratch', questionId: '00_gradient', answer: { code: gradient } });`;

describe.skipIf(!existsSync(BUILT))('grader grade (headless notebook through the course runner)', () => {
  it('records what the notebook submits, under the student id given, and ignores stderr warnings', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sgd.ipynb');
    writeFileSync(file, JSON.stringify(notebook([`import { submit } from ${JSON.stringify(BUILT)};\nconsole.warn('Hi, looks like you are running TensorFlow.js in Node.js');`, SUBMIT_CELL])));
    const outcome = await gradeNotebook({ notebook: file, databasePath: path.join(dir, 'g.sqlite'), studentId: 's1', log: () => undefined });
    expect(outcome.failure).toBeNull();
    expect(outcome.attempts.map((a) => [a.studentId, a.questionId, a.passed])).toEqual([['s1', '00_gradient', true]]);
    expect(outcome.mismatched).toEqual([]);
  });

  it('reports the failing cell of a notebook that throws', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.ipynb');
    writeFileSync(file, JSON.stringify(notebook(['throw new Error("student bug");'])));
    const outcome = await gradeNotebook({ notebook: file, databasePath: path.join(dir, 'g.sqlite'), log: () => undefined });
    expect(outcome.failure).toMatchObject({ cell: 2, evalue: expect.stringContaining('student bug') });
    expect(outcome.attempts).toEqual([]);
  });
});
