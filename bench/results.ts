// The shape of `npm run bench`'s JSON (out/bench/bench.json) and the figures derived from raw child results.
import type { StepTiming } from './perf.js';
import type { E2eTimings } from './ours.js';
import { floorFraction, type ModelFlops } from './flops.js';
import type { BenchMode, BenchModel, RunSize, TutorialSpec } from './specs.js';

/** What every child reports about itself besides its figures. */
export interface ChildMeta {
  maxRssMb: number;
  /** Seconds from spawn until the child was ready to work (imports, backend start). */
  startupS?: number;
  /** CPU seconds the child used; divided by its wall time it says how many cores it kept busy. */
  cpuS?: number;
  threads?: number | null;
}

/** Who ran: our code on a TF.js backend, or PyTorch. */
export type Runner = 'wasm' | 'cpu' | 'tensorflow' | 'pytorch';

export interface StepFigure {
  runner: Runner;
  /** One timing per repetition (each the median of its steps). */
  runs: StepTiming[];
  /** Median over the repetitions of their medians. */
  medianMs: number;
  minMs: number;
  samplesPerSecond: number;
  /** Share of the arithmetic floor (see flops.ts) the median step reaches. */
  floorFraction: number;
  maxRssMb: number;
  /** CPU seconds / wall seconds of the child: the cores it kept busy (start-up included). */
  coresUsed: number | null;
  startupS: number | null;
  /** Whether every repetition's steps ran compiled (src/graph); null where no run says. */
  compiled: boolean | null;
}

export interface E2eFigure extends Omit<E2eTimings, 'model'> {
  runner: Runner;
  /** Trained samples per second of training time (batches made by the loader included). */
  samplesPerSecond: number;
  floorFraction: number;
  /** The whole tutorial, from this run's phase times: load + train and evaluations scaled to the tutorial's counts. */
  projectedTutorialS: number | null;
  maxRssMb: number;
  coresUsed: number | null;
  startupS: number | null;
}

export interface Failure {
  runner: Runner;
  what: 'step' | 'e2e';
  error: string;
}

export interface ModelResult {
  model: BenchModel;
  tutorial: string;
  batchSize: number;
  flops: ModelFlops;
  run: RunSize;
  tutorialEpochs: number;
  unit: TutorialSpec['unit'];
  target: TutorialSpec['target'];
  step: StepFigure[];
  e2e: E2eFigure[];
  /** Ours / PyTorch for each of our backends: step time, end-to-end time, time to the target accuracy. Above 1: slower. */
  ratios: Record<string, { step: number | null; e2e: number | null; timeToTarget: number | null }>;
  failures: Failure[];
}

export interface DataFigure {
  runner: 'ours' | 'pytorch';
  /** How the data was read, in words. */
  method: string;
  loadTrainMs: number;
  /** One shuffled pass at batch 100 over the 60,000 training images, ToTensor applied. */
  epochMs: number;
  maxRssMb: number;
}

export interface BenchResult {
  schema: 1;
  mode: BenchMode;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  /**
   * `pinnedCpu`: the CPU every child ran on (taskset), null when unpinned; `allocatorEnv`: the glibc malloc settings
   * every child got (ALLOCATOR_ENV). Both absent in older JSON (unpinned, glibc's defaults).
   */
  machine: {
    cpu: string; cores: number; memoryGiB: number; platform: string; loadavgStart: number[]; loadavgEnd: number[]; loadavgMax1m: number;
    pinnedCpu?: number | null; allocatorEnv?: Record<string, string>;
  };
  versions: Record<string, string>;
  backends: { active: string; activeReason: string; available: { name: string; threads: number | null }[]; unavailable: Record<string, string> };
  /** `blas`: which BLAS the PyTorch side was given, and why (see OPENBLAS_SERIAL_DIR in spawn.ts). */
  pytorch: { available: boolean; python: string; threads: number | null; blas: string; reason?: string };
  floor: { gflopsPerThread: number; source: string };
  data: { ours?: DataFigure; pytorch?: DataFigure; ratio: number | null; failures: string[] } | null;
  models: ModelResult[];
  notes: string[];
}

/** Median over repetitions, and throughput and floor share from it. */
export function stepFigure(runner: Runner, runs: StepTiming[], meta: ChildMeta, wallS: number, batchSize: number,
  flops: ModelFlops, gflops: number): StepFigure {
  const sorted = runs.map((r) => r.medianMs).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    runner, runs, medianMs, minMs: Math.min(...runs.map((r) => r.minMs)),
    samplesPerSecond: (batchSize * 1000) / medianMs,
    floorFraction: floorFraction(batchSize * flops.trainingPerSample, medianMs / 1000, gflops),
    maxRssMb: meta.maxRssMb, coresUsed: meta.cpuS === undefined ? null : meta.cpuS / wallS, startupS: meta.startupS ?? null,
    compiled: runs.some((r) => r.compiled === undefined) ? null : runs.every((r) => r.compiled === true),
  };
}

/** Throughput, floor share and the projected whole tutorial from one end-to-end run. */
export function e2eFigure(runner: Runner, timings: E2eTimings, meta: ChildMeta, wallS: number, spec: TutorialSpec, size: RunSize,
  flops: ModelFlops, gflops: number): E2eFigure {
  const { model: _model, ...rest } = timings;
  const work = timings.trainedSamples * flops.trainingPerSample + timings.evaluatedSamples * flops.forwardPerSample;
  // Whole data only: a quick run's subsets do not scale to the tutorial.
  const whole = size.trainLimit === 0 && size.testLimit === 0;
  const evaluations = spec.unit === 'epoch' ? timings.epochs : 0; // sgd's accuracy per iteration is inside trainS
  const projectedTutorialS = whole
    ? timings.loadS + (timings.trainS * spec.tutorialEpochs) / timings.epochs + (evaluations > 0 ? (timings.evalS * spec.tutorialEvaluations) / evaluations : 0)
    : null;
  return {
    ...rest, runner,
    samplesPerSecond: timings.trainS > 0 ? timings.trainedSamples / timings.trainS : 0,
    floorFraction: floorFraction(work, timings.totalS, gflops),
    projectedTutorialS,
    maxRssMb: meta.maxRssMb, coresUsed: meta.cpuS === undefined ? null : meta.cpuS / wallS, startupS: meta.startupS ?? null,
  };
}

/** Ours / PyTorch for each of our runners (null where either side is missing). */
export function ratios(step: StepFigure[], e2e: E2eFigure[]): ModelResult['ratios'] {
  const torchStep = step.find((s) => s.runner === 'pytorch');
  const torchE2e = e2e.find((s) => s.runner === 'pytorch');
  const divide = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
  const runners = new Set([...step, ...e2e].map((s) => s.runner).filter((r) => r !== 'pytorch'));
  const result: ModelResult['ratios'] = {};
  for (const runner of runners) {
    const ourStep = step.find((s) => s.runner === runner);
    const ourE2e = e2e.find((s) => s.runner === runner);
    result[runner] = {
      step: divide(ourStep?.medianMs, torchStep?.medianMs),
      e2e: divide(ourE2e?.totalS, torchE2e?.totalS),
      timeToTarget: divide(ourE2e?.timeToTargetS, torchE2e?.timeToTargetS),
    };
  }
  return result;
}
