// Pure checks behind every grade: accuracy with its standard error, partial credit, claims, lateness, constraints.
import type { Constraint, Deadline, PartialCreditScale } from './exercises.js';
import type { ModelSummary } from './model-validation.js';
import { sameShape } from './model-validation.js';

/** Measured accuracy and its binomial standard error. */
export interface AccuracyStats {
  correct: number;
  total: number;
  /** correct / total, a fraction in [0, 1]. */
  accuracy: number;
  /** sqrt(p (1 - p) / n): about 0.00045 (0.045 points) at 99.8% on 10,000 images. */
  standardError: number;
  /** Normal-approximation 95% interval, accuracy +- 1.96 standard errors, clipped to [0, 1]. */
  interval95: [number, number];
}

/** Accuracy of `predictions` against `labels`, with its standard error. */
export function accuracyStats(predictions: ArrayLike<number>, labels: ArrayLike<number>): AccuracyStats {
  if (predictions.length !== labels.length || labels.length === 0) throw new RangeError(`accuracyStats needs equal non-empty lengths, got ${predictions.length} predictions and ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  const total = labels.length;
  const accuracy = correct / total;
  const standardError = Math.sqrt((accuracy * (1 - accuracy)) / total);
  const z95 = 1.96;
  return { correct, total, accuracy, standardError, interval95: [Math.max(0, accuracy - z95 * standardError), Math.min(1, accuracy + z95 * standardError)] };
}

/** confusion[label][predicted] counts over `classes` classes. */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i] as number];
    const predicted = predictions[i] as number;
    if (row && predicted >= 0 && predicted < classes) row[predicted] = (row[predicted] as number) + 1;
  }
  return matrix;
}

/** One misclassified test image: its index in the official test split, true label and prediction. */
export interface Misclassified {
  index: number;
  label: number;
  predicted: number;
}

/** Every misclassified image, in test-set order. */
export function misclassified(predictions: ArrayLike<number>, labels: ArrayLike<number>): Misclassified[] {
  const out: Misclassified[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] !== labels[i]) out.push({ index: i, label: labels[i] as number, predicted: predictions[i] as number });
  }
  return out;
}

/** Fraction of the points a measured value earns on a step scale (0 below every row). */
export function creditFraction(scale: PartialCreditScale, measured: number): number {
  let best = 0;
  for (const row of scale) if (measured >= row.atLeast) best = Math.max(best, row.fraction);
  return best;
}

/**
 * A claimed accuracy normalized to a fraction: values above 1 are read as percentages (99.8 -> 0.998).
 * Returns null for no claim (undefined, null, '' as rggrader notebooks sent); NaN for text that is not a number.
 */
export function normalizeClaim(claimed: unknown): number | null {
  if (claimed === undefined || claimed === null || (typeof claimed === 'string' && claimed.trim() === '')) return null;
  const value = typeof claimed === 'number' ? claimed : Number(String(claimed).trim().replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0 || value > 100) return Number.NaN;
  return value > 1 ? value / 100 : value;
}

/** Whether a claim disagrees with the measurement by more than `margin` (both fractions). */
export interface ClaimCheck {
  claimed: number;
  measured: number;
  difference: number;
  margin: number;
  flagged: boolean;
}

export function checkClaim(claimed: number, measured: number, margin: number): ClaimCheck {
  const difference = claimed - measured;
  return { claimed, measured, difference, margin, flagged: !(Math.abs(difference) <= margin) };
}

/** Lateness at `now`: started days past the soft deadline and the fraction of points it costs. */
export interface Lateness {
  daysLate: number;
  penaltyFraction: number;
  pastHardDeadline: boolean;
}

export function lateness(deadline: Deadline | undefined, now: Date): Lateness {
  const pastHardDeadline = deadline?.hard !== undefined && now.getTime() > Date.parse(deadline.hard);
  if (deadline?.soft === undefined) return { daysLate: 0, penaltyFraction: 0, pastHardDeadline };
  const lateMs = now.getTime() - Date.parse(deadline.soft);
  const msPerDay = 86_400_000;
  const daysLate = lateMs > 0 ? Math.ceil(lateMs / msPerDay) : 0;
  const penaltyFraction = Math.min(deadline.maxLatePenalty ?? 1, daysLate * (deadline.latePenaltyPerDay ?? 0));
  return { daysLate, penaltyFraction, pastHardDeadline };
}

/** Outcome of one declared constraint, with a sentence a student can act on. */
export interface ConstraintResult {
  constraint: Constraint['kind'];
  passed: boolean;
  message: string;
}

/** Checks every declared constraint against the model's layer list; pure, no evaluation. */
export function checkConstraints(summary: ModelSummary, constraints: readonly Constraint[]): ConstraintResult[] {
  return constraints.map((constraint): ConstraintResult => {
    switch (constraint.kind) {
      case 'max-params': {
        const passed = summary.paramCount <= constraint.max;
        return { constraint: constraint.kind, passed, message: `${summary.paramCount.toLocaleString('en-US')} parameters (at most ${constraint.max.toLocaleString('en-US')} allowed)` };
      }
      case 'allowed-layers': {
        const allowed = new Set(constraint.classes);
        const offending = [...new Set(summary.layerClasses.filter((name) => !allowed.has(name)))];
        const passed = offending.length === 0;
        return { constraint: constraint.kind, passed, message: passed ? `${constraint.description}: yes` : `${constraint.description}: found ${offending.join(', ')}` };
      }
      case 'input-shape': {
        const [input] = summary.inputShapes;
        const passed = input !== undefined && constraint.shapes.some((shape) => sameShape(input, shape));
        return { constraint: constraint.kind, passed, message: `input ${JSON.stringify(input ?? null)} (accepted: ${constraint.shapes.map((s) => JSON.stringify(s)).join(' or ')})` };
      }
      case 'output-shape': {
        const [output] = summary.outputShapes;
        const passed = output !== undefined && sameShape(output, constraint.shape);
        return { constraint: constraint.kind, passed, message: `output ${JSON.stringify(output ?? null)} (expected ${JSON.stringify(constraint.shape)})` };
      }
    }
  });
}
