import { describe, expectTypeOf, it } from 'vitest';
import type { SubmitOptions, SubmitResult } from '../../grader/client.js';
import { submit } from '../../grader/client.js';
import type { Exercise } from '../../grader/exercises.js';
import type { GradeResult } from '../../grader/grade.js';

describe('public types', () => {
  it('submit takes rggrader\'s fields and returns the typed result', () => {
    expectTypeOf(submit).parameter(0).toEqualTypeOf<SubmitOptions>();
    expectTypeOf(submit).returns.resolves.toEqualTypeOf<SubmitResult>();
    expectTypeOf<SubmitResult['result']>().toEqualTypeOf<GradeResult>();
    expectTypeOf<SubmitOptions>().toHaveProperty('studentId').toEqualTypeOf<string>();
  });

  it('accepts a model, a model folder or code as the answer, and nothing else', () => {
    const ids = { studentId: 's1', name: 'Ada', assignmentId: '14_sgd-from-scratch', questionId: '00_gradient' };
    const gradient = (X: number[][], _Y: number[][], _W: number[][]): number[][] => X;
    expectTypeOf({ ...ids, answer: { code: gradient } }).toExtend<SubmitOptions>();
    expectTypeOf({ ...ids, answer: { modelDir: 'models/mnist' } }).toExtend<SubmitOptions>();
    // @ts-expect-error an answer is { model }, { modelDir } or { code }
    const wrong: SubmitOptions = { ...ids, answer: { weights: new Float32Array(1) } };
    void wrong;
  });

  it('tells exercise kinds apart by their kind field', () => {
    expectTypeOf<Extract<Exercise, { kind: 'code-function' }>>().toHaveProperty('entry');
    expectTypeOf<Extract<Exercise, { kind: 'model-accuracy' }>>().toHaveProperty('threshold').toEqualTypeOf<number>();
  });
});
