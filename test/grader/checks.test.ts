import { describe, expect, it } from 'vitest';
import {
  accuracyStats, checkClaim, checkConstraints, confusionMatrix, creditFraction, lateness, misclassified, normalizeClaim,
} from '../../grader/checks.js';
import { MNIST_EXERCISE } from '../../grader/exercises.js';

describe('accuracyStats', () => {
  it('gives the binomial standard error: about 0.045 points at 99.8% on 10,000 images', () => {
    const labels = new Int32Array(10_000);
    const predictions = new Int32Array(10_000);
    for (let i = 0; i < 20; i++) predictions[i] = 1;
    const stats = accuracyStats(predictions, labels);
    expect(stats.accuracy).toBe(0.998);
    expect(stats.standardError).toBeCloseTo(Math.sqrt((0.998 * 0.002) / 10_000), 12);
    expect(stats.standardError * 100).toBeCloseTo(0.0447, 4);
    expect(stats.interval95[0]).toBeCloseTo(0.998 - 1.96 * stats.standardError, 12);
    expect(stats.interval95[1]).toBeLessThanOrEqual(1);
  });

  it('refuses empty or mismatched inputs', () => {
    expect(() => accuracyStats([], [])).toThrow(RangeError);
    expect(() => accuracyStats([1], [1, 2])).toThrow(/equal non-empty/);
  });
});

describe('confusion and misclassified', () => {
  it('counts rows as true classes and columns as predictions', () => {
    const matrix = confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], 3);
    expect(matrix).toEqual([[1, 0, 0], [0, 1, 0], [0, 1, 1]]);
    expect(misclassified([0, 1, 1, 2], [0, 1, 2, 2])).toEqual([{ index: 2, label: 2, predicted: 1 }]);
  });
});

describe('creditFraction', () => {
  it('takes the highest row reached on the MNIST scale and 0 below all rows', () => {
    expect(creditFraction(MNIST_EXERCISE.partialCredit, 0.9985)).toBe(1);
    expect(creditFraction(MNIST_EXERCISE.partialCredit, 0.997)).toBe(0.9);
    expect(creditFraction(MNIST_EXERCISE.partialCredit, 0.5)).toBe(0);
  });
});

describe('claims', () => {
  it('reads percentages and fractions alike and treats an empty claim as none', () => {
    expect(normalizeClaim(99.8)).toBeCloseTo(0.998, 12);
    expect(normalizeClaim('99.8%')).toBeCloseTo(0.998, 12);
    expect(normalizeClaim(0.95)).toBe(0.95);
    expect(normalizeClaim('')).toBeNull();
    expect(normalizeClaim(undefined)).toBeNull();
    expect(normalizeClaim('great')).toBeNaN();
  });

  it('flags a claim beyond the margin and a claim that is not a number', () => {
    expect(checkClaim(0.998, 0.9, 0.002).flagged).toBe(true);
    expect(checkClaim(0.9005, 0.9, 0.002).flagged).toBe(false);
    expect(checkClaim(Number.NaN, 0.9, 0.002).flagged).toBe(true);
  });
});

describe('lateness', () => {
  const deadline = { soft: '2026-01-10T00:00:00Z', hard: '2026-01-20T00:00:00Z', latePenaltyPerDay: 0.1, maxLatePenalty: 0.5 };

  it('charges per started day after the soft deadline, capped', () => {
    expect(lateness(deadline, new Date('2026-01-09T00:00:00Z')).penaltyFraction).toBe(0);
    expect(lateness(deadline, new Date('2026-01-10T01:00:00Z'))).toEqual({ daysLate: 1, penaltyFraction: 0.1, pastHardDeadline: false });
    expect(lateness(deadline, new Date('2026-01-19T00:00:00Z')).penaltyFraction).toBe(0.5);
  });

  it('marks submissions past the hard deadline', () => {
    expect(lateness(deadline, new Date('2026-01-21T00:00:00Z')).pastHardDeadline).toBe(true);
    expect(lateness(undefined, new Date()).pastHardDeadline).toBe(false);
  });
});

describe('checkConstraints', () => {
  const summary = { inputShapes: [[null, 784]], outputShapes: [[null, 10]], layerClasses: ['Dense', 'Conv2D'], paramCount: 1000 };

  it('reports each declared constraint with a readable message', () => {
    const results = checkConstraints(summary, [
      { kind: 'max-params', max: 500 },
      { kind: 'allowed-layers', classes: ['Dense'], description: 'dense layers only' },
      { kind: 'input-shape', shapes: [[null, 28, 28, 1]] },
      { kind: 'output-shape', shape: [null, 10] },
    ]);
    expect(results.map((r) => r.passed)).toEqual([false, false, false, true]);
    expect(results[0]?.message).toContain('1,000 parameters');
    expect(results[1]?.message).toBe('dense layers only: found Conv2D');
  });
});
