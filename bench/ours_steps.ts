// Bare training steps of every tutorial model on the active backend: bench/perf.ts for the models, sgd's by hand here.
import * as tf from '@tensorflow/tfjs';
import { sgdTrain } from '../src/sgd/index.js';
import { PERF_MODELS, median, timeTrainingSteps, type PerfModel, type StepTiming } from './perf.js';
import type { BenchModel } from './specs.js';

/** Timed steps add up to at least this long, at most this many steps, after this many untimed ones (as bench/perf.ts). */
export interface StepBudget {
  minTotalMs: number;
  /** Timed steps at least. Default 10. */
  minSteps?: number;
  maxSteps?: number;
  warmup?: number;
}

/** Milliseconds between consecutive stamps. */
function intervals(stamps: number[]): number[] {
  return stamps.slice(1).map((stamp, i) => stamp - (stamps[i] as number));
}

/** How many steps make `minTotalMs`, from a warm step's time (as bench/perf.ts counts them). */
function stepCount(estimateMs: number, budget: StepBudget): number {
  return Math.min(budget.maxSteps ?? 300, Math.max(budget.minSteps ?? 10, Math.ceil(budget.minTotalMs / Math.max(estimateMs, 0.01))));
}

function summary(times: number[]): StepTiming {
  return { medianMs: median(times), minMs: Math.min(...times), steps: times.length };
}

/**
 * Seed 004's iteration without its test accuracy: sample `batchSize` of 60,000 rows, gather, loss, gradient,
 * update, the loss read back (sgdTrain with a per-iteration callback, as the tutorial's `loss.item()`). The test
 * set is one row, so the accuracy sgdTrain measures on its first iteration costs nothing.
 */
function timeLeastSquaresSteps(batchSize: number, budget: StepBudget): StepTiming {
  const rows = 60000;
  const xTrain = tf.randomUniform([rows, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  const yTrain = tf.oneHot(tf.randomUniform([rows], 0, 10, 'int32', 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  const xTest = tf.zeros([1, 784]) as tf.Tensor2D;
  const yTest = tf.zeros([1], 'int32') as tf.Tensor1D;
  let compiled = false;
  const run = (iterations: number): number[] => {
    const stamps: number[] = [];
    const { weight, graph } = sgdTrain({ xTrain, yTrain, xTest, yTest, iterations, batchSize, learningRate: 0.001, seed: 0,
      evalEvery: iterations + 1, onIteration: () => void stamps.push(performance.now()) });
    weight.dispose();
    compiled = graph;
    return intervals(stamps);
  };
  try {
    const warm = run((budget.warmup ?? 3) + 1);
    return { ...summary(run(stepCount(warm[warm.length - 1] ?? 1, budget) + 1)), compiled };
  } finally {
    tf.dispose([xTrain, yTrain, xTest, yTest]);
  }
}

/** `repeats` timings of the bare training step of `name` at `batchSize` on the active backend. */
export async function timeOurSteps(name: BenchModel, batchSize: number, repeats: number, budget: StepBudget): Promise<StepTiming[]> {
  const runs: StepTiming[] = [];
  for (let i = 0; i < repeats; i++) {
    if ((PERF_MODELS as readonly string[]).includes(name)) {
      runs.push(await timeTrainingSteps(name as PerfModel, batchSize, {
        minTotalMs: budget.minTotalMs, repeats: budget.minSteps ?? 10, ...(budget.warmup ? { warmup: budget.warmup } : {}),
      }));
    } else {
      runs.push(timeLeastSquaresSteps(batchSize, budget));
    }
  }
  return runs;
}
