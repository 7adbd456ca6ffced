// Runs the whole comparison: probe the backends, the floor, MNIST loading, then per model the bare step and the tutorial.
import { rm } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../src/backend/index.js';
import type { DataBenchRow } from './data.js';
import { NOMINAL_FLOOR_GFLOPS_PER_THREAD, modelFlops } from './flops.js';
import type { E2eTimings } from './ours.js';
import type { StepTiming } from './perf.js';
import {
  e2eFigure, ratios, stepFigure, type BenchResult, type ChildMeta, type E2eFigure, type Failure,
  type ModelResult, type Runner, type StepFigure,
} from './results.js';
import { BENCH_MODELS, TUTORIAL_SPECS, runSize, type BenchMode, type BenchModel } from './specs.js';
import { ALLOCATOR_ENV, OPENBLAS_SERIAL_DIR, PYTORCH_BLAS_ENV, makeDataRoot, pinnedCpu, pythonPath, pytorchEnv, runOurs, runPytorch } from './spawn.js';

export interface BenchOptions {
  mode: BenchMode;
  /** Default: all of BENCH_MODELS. */
  models?: readonly BenchModel[];
  /** Our backends to use, of those that start here. Default: all that start (cpu only for the small models). */
  backends?: readonly BackendName[];
  /** Run the PyTorch side. Default true (skipped with a reason when Python or torch is missing). */
  pytorch?: boolean;
  /** Time MNIST loading. Default true. */
  data?: boolean;
  /** Run the tutorials end to end. Default true; false times the bare steps only (minutes instead of a quarter hour). */
  e2e?: boolean;
  /** Pin every child to one CPU (taskset), the same for both sides. Default true where taskset works. */
  pin?: boolean;
  /** Repetitions of each bare-step timing. Default 3 in full mode, 1 in quick. */
  repeats?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

interface Probe {
  active: BackendName;
  activeReason: string;
  available: { name: BackendName; threads?: number; versions: Record<string, string> }[];
  unavailable: Record<string, string>;
}

type Meta = ChildMeta & { versions?: Record<string, string> };

const MINUTE_MS = 60_000;

/** Runs the bench and returns everything it measured; nothing is written here. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { mode } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = mode === 'quick';
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const minTotalMs = quick ? 150 : 1000;
  const minSteps = quick ? 3 : 10;
  const timeoutMs = (quick ? 3 : 30) * MINUTE_MS;
  const started = new Date();
  const loadavgStart = loadavg();
  let loadavgMax1m = loadavgStart[0] ?? 0;
  const sampleLoad = (): void => void (loadavgMax1m = Math.max(loadavgMax1m, loadavg()[0] ?? 0));
  const notes: string[] = [];
  // This process only builds models to count their FLOPs; the measurements run in children on their own backends.
  await tf.setBackend('cpu');

  const pinning = options.pin === false ? { reason: 'turned off (--no-pin): children run unpinned' } : pinnedCpu(cpus().length);
  const cpu = 'cpu' in pinning ? pinning.cpu : undefined;
  if ('reason' in pinning) notes.push(`Not pinned to one CPU: ${pinning.reason}.`);
  log(`[bench] probing backends${cpu === undefined ? '' : ` (every child pinned to CPU ${cpu})`}`);
  const probed = runOurs<Probe>(['probe'], timeoutMs, cpu);
  if (!probed.ok) throw new Error(`Could not start TF.js to probe the backends: ${probed.error}`);
  const probe = probed.result;
  const wanted = probe.available.map((b) => b.name).filter((name) => options.backends === undefined || options.backends.includes(name));
  const ourRunners = [probe.active, ...wanted.filter((name) => name !== probe.active)].filter((name) => wanted.includes(name));
  // A backend asked for (--backends, or native TensorFlow put on NODE_PATH) that did not start must not go unnoticed.
  for (const [name, reason] of Object.entries(probe.unavailable)) {
    const asked = options.backends?.includes(name as BackendName) === true || (name === 'tensorflow' && Boolean(process.env.NODE_PATH));
    if (asked) notes.push(`${name} did not start, so it is missing from the figures: ${reason}`);
  }

  const blas = pytorchEnv().LD_LIBRARY_PATH === undefined ? "the system's libblas.so.3"
    : `OpenBLAS (serial) from ${OPENBLAS_SERIAL_DIR} through LD_LIBRARY_PATH: Debian's torch calls libblas.so.3 for every ` +
      `Linear layer, and where that is the reference BLAS it multiplies ~50x slower than a pip-installed PyTorch (MKL); ` +
      `${PYTORCH_BLAS_ENV}=system keeps the system's`;
  const pytorch: BenchResult['pytorch'] = { available: false, python: pythonPath(), threads: null, blas };
  const versions: Record<string, string> = { node: process.versions.node, ...Object.assign({}, ...probe.available.map((b) => b.versions)) };
  let gflops = NOMINAL_FLOOR_GFLOPS_PER_THREAD;
  let floorSource = `nominal ${NOMINAL_FLOOR_GFLOPS_PER_THREAD} GFLOP/s per thread (PyTorch was not there to measure it)`;
  if (options.pytorch !== false) {
    log('[bench] PyTorch: matmul floor');
    const floor = runPytorch<{ gflops: number; matrix: number; calls: number } & Meta>(['floor', '--repeats', String(quick ? 1 : 3)], timeoutMs, cpu);
    if (floor.ok) {
      pytorch.available = true;
      pytorch.threads = floor.result.threads ?? null;
      Object.assign(versions, floor.result.versions);
      gflops = floor.result.gflops;
      floorSource = `measured: fastest of ${floor.result.calls} torch.mm calls on two ${floor.result.matrix}x${floor.result.matrix} float32 matrices, 1 thread`;
    } else {
      pytorch.reason = floor.error;
      notes.push(`PyTorch side skipped: ${floor.error}`);
    }
  } else {
    pytorch.reason = 'turned off (--no-pytorch)';
  }

  if (options.e2e === false) notes.push('Tutorials end to end not run (--no-e2e): bare steps only.');
  const dataRoot = await makeDataRoot();
  try {
    const data = options.data === false ? null : benchDataSide(dataRoot, pytorch.available, quick ? 1 : 3, { timeoutMs, cpu, log });
    const models: ModelResult[] = [];
    for (const model of options.models ?? BENCH_MODELS) {
      sampleLoad();
      models.push(benchModel(model, {
        mode, ourRunners, pytorch: pytorch.available, e2e: options.e2e !== false, dataRoot, repeats, minTotalMs, minSteps, timeoutMs, cpu, gflops, log,
      }));
    }
    sampleLoad();
    const finished = new Date();
    return {
      schema: 1, mode, startedAt: started.toISOString(), finishedAt: finished.toISOString(),
      durationS: (finished.getTime() - started.getTime()) / 1000,
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30),
        platform: `${platform()} ${release()}`, loadavgStart, loadavgEnd: loadavg(), loadavgMax1m, pinnedCpu: cpu ?? null, allocatorEnv: { ...ALLOCATOR_ENV },
      },
      versions,
      backends: {
        active: probe.active, activeReason: probe.activeReason,
        available: probe.available.map((b) => ({ name: b.name, threads: b.threads ?? null })), unavailable: probe.unavailable,
      },
      pytorch, floor: { gflopsPerThread: gflops, source: floorSource }, data, models, notes,
    };
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }
}

interface ModelContext {
  mode: BenchMode;
  ourRunners: BackendName[];
  pytorch: boolean;
  e2e: boolean;
  dataRoot: string;
  repeats: number;
  minTotalMs: number;
  minSteps: number;
  timeoutMs: number;
  /** The CPU children are pinned to, if any. */
  cpu: number | undefined;
  gflops: number;
  log: (line: string) => void;
}

/** The bare step and the tutorial end to end, ours on each backend, then PyTorch's. */
function benchModel(model: BenchModel, context: ModelContext): ModelResult {
  const spec = TUTORIAL_SPECS[model];
  const size = runSize(model, context.mode);
  const flops = modelFlops(model);
  const step: StepFigure[] = [];
  const e2e: E2eFigure[] = [];
  const failures: Failure[] = [];
  const stepArgs = ['step', '--model', model, '--repeats', String(context.repeats), '--min-total-ms', String(context.minTotalMs),
    '--min-steps', String(context.minSteps)];
  const e2eArgs = ['e2e', '--model', model, '--data-root', context.dataRoot, '--epochs', String(size.epochs),
    '--train-limit', String(size.trainLimit), '--test-limit', String(size.testLimit), '--target', String(spec.target.accuracy)];
  const runners: Runner[] = [...context.ourRunners, ...(context.pytorch ? ['pytorch' as const] : [])];
  for (const runner of runners) {
    if (runner === 'cpu' && !spec.cpuStep) continue;
    context.log(`[bench] ${model}: bare step on ${runner}`);
    const outcome = runner === 'pytorch'
      ? runPytorch<{ runs: StepTiming[] } & Meta>(stepArgs, context.timeoutMs, context.cpu)
      : runOurs<{ runs: StepTiming[] } & Meta>([...stepArgs, '--backend', runner], context.timeoutMs, context.cpu);
    if (outcome.ok) step.push(stepFigure(runner, outcome.result.runs, outcome.result, outcome.wallS, spec.batchSize, flops, context.gflops));
    else failures.push({ runner, what: 'step', error: outcome.error });
  }
  for (const runner of context.e2e ? runners : []) {
    if (runner === 'cpu' && !spec.cpuE2e) continue;
    context.log(`[bench] ${model}: tutorial end to end on ${runner} (${size.epochs} ${spec.unit}${size.epochs > 1 ? 's' : ''})`);
    const outcome = runner === 'pytorch'
      ? runPytorch<E2eTimings & Meta>(e2eArgs, context.timeoutMs, context.cpu)
      : runOurs<E2eTimings & Meta>([...e2eArgs, '--backend', runner], context.timeoutMs, context.cpu);
    if (outcome.ok) e2e.push(e2eFigure(runner, outcome.result, outcome.result, outcome.wallS, spec, size, flops, context.gflops));
    else failures.push({ runner, what: 'e2e', error: outcome.error });
  }
  for (const failure of failures) context.log(`[bench] ${model}: ${failure.what} on ${failure.runner} failed: ${failure.error}`);
  return {
    model, tutorial: spec.tutorial, batchSize: spec.batchSize, flops, run: size, tutorialEpochs: spec.tutorialEpochs,
    unit: spec.unit, target: spec.target, step, e2e, ratios: ratios(step, e2e), failures,
  };
}

/** MNIST train into memory and one DataLoader epoch: bench/data.ts for ours, torchvision for PyTorch. */
function benchDataSide(dataRoot: string, withPytorch: boolean, repeats: number, how: { timeoutMs: number; cpu: number | undefined; log: (line: string) => void }): NonNullable<BenchResult['data']> {
  const { timeoutMs, cpu, log } = how;
  const failures: string[] = [];
  const result: NonNullable<BenchResult['data']> = { ratio: null, failures };
  log('[bench] data: loading MNIST, ours (bench/data.ts)');
  const ours = runOurs<{ rows: DataBenchRow[] } & Meta>(['data', '--repeats', String(repeats)], timeoutMs, cpu);
  if (ours.ok) {
    const row = (prefix: string): number | undefined => ours.result.rows.find((r) => r.name.startsWith(prefix))?.ms;
    const loadTrainMs = row('loadMnist train, from the cache');
    const epochMs = row('DataLoader epoch');
    if (loadTrainMs === undefined || epochMs === undefined) failures.push(`ours: bench/data.ts rows renamed: ${ours.result.rows.map((r) => r.name).join('; ')}`);
    else result.ours = { runner: 'ours', method: 'loadMnist from a cache folder (files sha256-verified once and recorded; a changed file is hashed again), DataLoader on cpu tensors', loadTrainMs, epochMs, maxRssMb: ours.result.maxRssMb };
  } else {
    failures.push(`ours: ${ours.error}`);
  }
  if (withPytorch) {
    log('[bench] data: loading MNIST, PyTorch (torchvision)');
    const torch = runPytorch<{ loadTrainMs: number[]; epochMs: number[]; method: string } & Meta>(['data', '--data-root', dataRoot, '--repeats', String(repeats)], timeoutMs, cpu);
    if (torch.ok) {
      const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
      result.pytorch = { runner: 'pytorch', method: torch.result.method, loadTrainMs: median(torch.result.loadTrainMs), epochMs: median(torch.result.epochMs), maxRssMb: torch.result.maxRssMb };
    } else {
      failures.push(`pytorch: ${torch.error}`);
    }
  }
  if (result.ours && result.pytorch) result.ratio = (result.ours.loadTrainMs + result.ours.epochMs) / (result.pytorch.loadTrainMs + result.pytorch.epochMs);
  return result;
}

