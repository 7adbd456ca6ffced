// Benchmark: one training step of each course model on wasm and cpu, next to PyTorch on the same machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerWasmTrainingKernels, restoreWasmKernels } from '../src/backend/index.js';
import { createCnn, createHidden, createLinear, createMlp, createResNet } from '../src/models/index.js';
import { createGenerator } from '../src/random/index.js';
import { OneCycleLR, SGD, crossEntropy, fit, nllLoss, type Batch, type LossFn } from '../src/train/index.js';
import { GRAPH_STEP, WASM_STEP, graphStepStatus } from '../src/graph/index.js';
import { ALLOCATOR_ENV, ONE_THREAD_ENV, pythonPath, pytorchEnv } from './spawn.js';

/** The course models, each with its tutorial's loss, optimizer and input layout. */
export const PERF_MODELS = ['linear', 'hidden', 'mlp', 'cnn', 'resnet'] as const;
export type PerfModel = (typeof PERF_MODELS)[number];
export type PerfBackend = 'wasm' | 'cpu';

/** One measurement to make: a model at a batch size, on some backends. */
export interface PerfCase {
  model: PerfModel;
  batchSize: number;
  backends: PerfBackend[];
}

/**
 * The tutorials' batch sizes (seed 000 linear 100, seed 002 MLP 32, seed 001 CNN 64, seed 003 ResNet 512), plus
 * the ResNet at 64 to compare with the CNN. cpu only for the small models: its conv gradients take seconds per step.
 */
export const PERF_CASES: PerfCase[] = [
  { model: 'linear', batchSize: 100, backends: ['wasm', 'cpu'] },
  { model: 'mlp', batchSize: 32, backends: ['wasm', 'cpu'] },
  { model: 'cnn', batchSize: 64, backends: ['wasm'] },
  { model: 'resnet', batchSize: 64, backends: ['wasm'] },
  { model: 'resnet', batchSize: 512, backends: ['wasm'] },
];

/** What the tutorial trains a model with. */
interface Setup {
  model: tf.LayersModel;
  loss: LossFn;
  optimizer: SGD;
  scheduler?: OneCycleLR;
  /** Shape of one image as the model takes it. */
  imageShape: number[];
}

function setup(name: PerfModel): Setup {
  switch (name) {
    case 'linear': { // seed 000: MnistModel, CrossEntropyLoss, SGD(lr=1e-2), image batches
      const model = createLinear({ seed: 0 });
      return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 1e-2 }), imageShape: [28, 28, 1] };
    }
    case 'hidden': { // seed 000's second model: Linear(784, 100), Linear(100, 10), otherwise as linear
      const model = createHidden({ seed: 0 });
      return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 1e-2 }), imageShape: [28, 28, 1] };
    }
    case 'mlp': { // seed 002: NLLLoss, SGD(lr=0.003, momentum=0.9), flattened batches
      const model = createMlp({ seed: 0 });
      return { model, loss: nllLoss, optimizer: new SGD(model, { lr: 0.003, momentum: 0.9 }), imageShape: [784] };
    }
    case 'cnn': { // seed 001: F.cross_entropy, SGD(lr=0.1, momentum=0.9), flat rows viewed as 28x28 inside
      const model = createCnn({ seed: 0 });
      return { model, loss: crossEntropy, optimizer: new SGD(model, { lr: 0.1, momentum: 0.9 }), imageShape: [784] };
    }
    case 'resnet': { // seed 003: CrossEntropyLoss, SGD(lr=0.5, momentum=0.9), OneCycleLR stepped per batch
      const model = createResNet({ seed: 0 });
      const optimizer = new SGD(model, { lr: 0.5, momentum: 0.9 });
      const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, totalSteps: 100_000 });
      return { model, loss: crossEntropy, optimizer, scheduler, imageShape: [28, 28, 1] };
    }
  }
}

/** A fixed random batch: images uniform in [0, 1), int32 labels. The caller owns both tensors. */
function makeBatch(batchSize: number, imageShape: number[]): Batch {
  const rng = createGenerator(1);
  const pixels = Float32Array.from({ length: batchSize * tf.util.sizeFromShape(imageShape) }, () => rng.next());
  const labels = Int32Array.from({ length: batchSize }, () => rng.int(10));
  return { images: tf.tensor(pixels, [batchSize, ...imageShape]), labels: tf.tensor1d(labels, 'int32') };
}

export interface StepTimingOptions {
  /** Untimed steps first (XNNPack builds its operators, tf.layers builds the model). Default 3. */
  warmup?: number;
  /** Timed steps at least; we report the median. Default 10. */
  repeats?: number;
  /** More timed steps, up to 300, until they add up to about this long; steady medians for the fast models. Default 1000. */
  minTotalMs?: number;
  /** fit's graph option: false times the eager step on native TensorFlow and wasm (the cpu backend has no other). Default true. */
  graph?: boolean;
}

/** Median and fastest milliseconds per training step. */
export interface StepTiming {
  medianMs: number;
  minMs: number;
  steps: number;
  /** Whether each step ran compiled (src/graph: one TensorFlow graph on native, one pass of our kernels on wasm); false: op by op. */
  compiled?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Times training steps of `name` at `batchSize` on the active backend through `fit`, exactly as the notebooks
 * train (reportEvery 1: the loss is read back every step, as PyTorch's `loss.item()`). The loader yields the same
 * in-memory batch each time, so data loading is not timed; a step is the time between two onBatchEnd calls.
 */
export async function timeTrainingSteps(name: PerfModel, batchSize: number, options: StepTimingOptions = {}): Promise<StepTiming> {
  const { warmup = 3, repeats = 10, minTotalMs = 1000, graph = true } = options;
  const s = setup(name);
  const batch = makeBatch(batchSize, s.imageShape);
  /** Runs `steps` steps through fit; returns the times between consecutive onBatchEnd calls (steps - 1 of them). */
  const run = async (steps: number): Promise<number[]> => {
    const loader = {
      length: steps,
      *[Symbol.iterator](): Iterator<Batch> {
        for (let i = 0; i < steps; i++) yield { images: tf.clone(batch.images), labels: tf.clone(batch.labels) };
      },
    };
    const stamps: number[] = [];
    await fit(s.model, loader, {
      loss: s.loss, optimizer: s.optimizer, epochs: 1, graph, ...(s.scheduler ? { scheduler: s.scheduler } : {}),
      callbacks: { onBatchEnd: () => void stamps.push(performance.now()) },
    });
    return stamps.slice(1).map((t, i) => t - (stamps[i] as number));
  };
  try {
    const warm = await run(warmup + 1);
    const estimate = Math.max(warm[warm.length - 1] ?? 1, 0.01);
    const times = await run(Math.min(300, Math.max(repeats, Math.ceil(minTotalMs / estimate))) + 1);
    return { medianMs: median(times), minMs: Math.min(...times), steps: times.length, compiled: [GRAPH_STEP, WASM_STEP].includes(graphStepStatus(s.model) ?? '') };
  } finally {
    tf.dispose([batch.images, batch.labels]);
    s.optimizer.dispose();
    s.model.dispose();
  }
}

/** Kernel time of a training step, by kernel name, from tf.profile (means over the profiled steps). */
export interface StepProfile {
  /** Wall time of the profiled step (profiling adds some overhead). */
  wallMs: number;
  /** Sum of the kernels' own times (ops made of kernels left out); the rest of wallMs is JavaScript: tape, engine, layers. */
  kernelMs: number;
  kernelCalls: number;
  /** Kernel name -> total ms and calls, largest first. */
  byKernel: { name: string; ms: number; calls: number }[];
}

/** Profiles `steps` training steps (after `warmup` unprofiled ones) with tf.profile on the active backend; per-step means. */
export async function profileTrainingStep(name: PerfModel, batchSize: number, warmup = 3, steps = 3): Promise<StepProfile> {
  const s = setup(name);
  const { images, labels } = makeBatch(batchSize, s.imageShape);
  const params = s.optimizer.params;
  const step = (): void => {
    const loss = s.optimizer.minimize(() => s.loss(s.model.apply(images, { training: true }) as tf.Tensor, labels), true, params);
    loss?.dataSync();
    tf.dispose(loss ?? []);
  };
  try {
    for (let i = 0; i < warmup; i++) step();
    const start = performance.now();
    const info = await tf.profile(() => {
      for (let i = 0; i < steps; i++) step();
    });
    const wallMs = (performance.now() - start) / steps;
    const table = new Map<string, { ms: number; calls: number }>();
    let kernelMs = 0;
    for (const kernel of info.kernels) {
      const ms = (typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0) / steps;
      const row = table.get(kernel.name) ?? { ms: 0, calls: 0 };
      row.ms += ms;
      row.calls += 1 / steps;
      table.set(kernel.name, row);
      // Ops made of other kernels ("fusedConv2d__op", from tf.customGrad) would count their kernels twice.
      if (!kernel.name.endsWith('__op')) kernelMs += ms;
    }
    const byKernel = [...table].map(([kernel, row]) => ({ name: kernel, ...row })).sort((a, b) => b.ms - a.ms);
    return { wallMs, kernelMs, kernelCalls: info.kernels.length / steps, byKernel };
  } finally {
    tf.dispose([images, labels]);
    s.optimizer.dispose();
    s.model.dispose();
  }
}

/**
 * PyTorch's median and fastest ms per step, keyed `${model}@${batchSize}`, from bench/pytorch_step.py; empty without
 * torch. It runs as `npm run bench` runs PyTorch: one thread, and serial OpenBLAS instead of a reference libblas.so.3
 * (see pytorchEnv in spawn.ts) and glibc malloc settings (ALLOCATOR_ENV), so both benches compare with the same PyTorch.
 */
export function pytorchStepTimes(cases: PerfCase[], python = pythonPath()): Map<string, StepTiming> {
  const script = pytorchScript();
  const times = new Map<string, StepTiming>();
  if (!existsSync(python) || script === undefined) {
    console.error(`PyTorch reference skipped: ${existsSync(python) ? 'bench/pytorch_step.py not found' : `no ${python}`}.`);
    return times;
  }
  const spec = cases.map((c) => `${c.model}:${c.batchSize}`).join(',');
  const run = spawnSync(python, [script, '--cases', spec], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...ONE_THREAD_ENV, ...ALLOCATOR_ENV, ...pytorchEnv() } });
  if (run.status !== 0) {
    console.error(`PyTorch reference skipped: ${python} ${script} exited with ${run.status}: ${run.stderr.trim().split('\n').pop() ?? ''}`);
    return times;
  }
  const rows = JSON.parse(run.stdout) as ({ model: string; batchSize: number } & StepTiming)[];
  for (const row of rows) times.set(`${row.model}@${row.batchSize}`, { medianMs: row.medianMs, minMs: row.minMs, steps: row.steps });
  return times;
}

/** bench/pytorch_step.py, found from the source (bench/), the compiled file (dist/bench/) or the working folder. */
function pytorchScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'pytorch_step.py'), join(here, '..', '..', 'bench', 'pytorch_step.py'), join(process.cwd(), 'bench', 'pytorch_step.py')];
  return candidates.find((p) => existsSync(p));
}

export interface PerfRow {
  model: PerfModel;
  batchSize: number;
  backend: PerfBackend;
  timing: StepTiming;
  /** PyTorch's times per step on this machine, when it ran. */
  pytorch?: StepTiming;
}

/** Times every case on each of its backends; adds PyTorch's times where bench/pytorch_step.py runs (pytorch: false skips it). */
export async function benchTrainingSteps(cases: PerfCase[] = PERF_CASES, options: StepTimingOptions & { pytorch?: boolean } = {}): Promise<PerfRow[]> {
  const rows: PerfRow[] = [];
  for (const c of cases) {
    for (const backend of c.backends) {
      await initBackend({ backend, log: () => {} });
      rows.push({ model: c.model, batchSize: c.batchSize, backend, timing: await timeTrainingSteps(c.model, c.batchSize, options) });
    }
  }
  return options.pytorch === false ? rows : withPytorch(rows, pytorchStepTimes(cases));
}

/** The rows with PyTorch's times (from pytorchStepTimes) filled in where known. */
export function withPytorch(rows: PerfRow[], pytorch: Map<string, StepTiming>): PerfRow[] {
  return rows.map((row) => {
    const timing = pytorch.get(`${row.model}@${row.batchSize}`);
    return timing === undefined ? row : { ...row, pytorch: timing };
  });
}

/**
 * A plain-text table: one row per model, batch size and backend, with the ratios to PyTorch of the medians and of
 * the fastest steps (on a machine shared with other work, the fastest step is the least disturbed one).
 */
export function formatPerfTable(rows: PerfRow[]): string {
  const header = ['model', 'batch', 'backend', 'ms/step', 'fastest', 'pytorch ms', 'fastest', 'ratio', 'ratio fastest'];
  const ratio = (a: number, b: number | undefined): string => (b === undefined ? '-' : `${(a / b).toFixed(1)}x`);
  const body = rows.map((r) => [r.model, String(r.batchSize), r.backend, r.timing.medianMs.toFixed(2), r.timing.minMs.toFixed(2),
    r.pytorch?.medianMs.toFixed(2) ?? '-', r.pytorch?.minMs.toFixed(2) ?? '-',
    ratio(r.timing.medianMs, r.pytorch?.medianMs), ratio(r.timing.minMs, r.pytorch?.minMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return [`Training step (forward, backward, SGD update, loss read back), median and fastest of the timed steps; load average ${load}:`,
    line(header), ...body.map(line)].join('\n');
}

/** A plain-text profile: the kernels that take the most time, and the JavaScript rest. */
export function formatProfile(title: string, profile: StepProfile, top = 12): string {
  const rest = profile.wallMs - profile.kernelMs;
  return [
    `${title}: ${profile.wallMs.toFixed(1)} ms wall, ${profile.kernelMs.toFixed(1)} ms in ${Math.round(profile.kernelCalls)} kernel calls, ` +
      `${rest.toFixed(1)} ms outside kernels`,
    ...profile.byKernel.slice(0, top).map((k) => `  ${k.name.padEnd(24)} ${k.ms.toFixed(2).padStart(8)} ms  ${String(Math.round(k.calls)).padStart(4)} calls`),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--profile')) {
    // --own profiles with wasm's own kernels and TF.js's own gradients, as before src/backend's replacements.
    await initBackend({ backend: 'wasm', log: () => {} });
    if (args.includes('--own')) restoreWasmKernels();
    for (const c of PERF_CASES) console.log(formatProfile(`${c.model} batch ${c.batchSize} on wasm`, await profileTrainingStep(c.model, c.batchSize)));
    return;
  }
  if (args.includes('--compare')) {
    // Before and after in one process: wasm's own kernels, then ours (wasm only: cpu does not change). initBackend
    // registers ours when it starts wasm, so start it first; later calls with the same request return at once.
    const wasmCases = PERF_CASES.map((c) => ({ ...c, backends: ['wasm' as const] }));
    await initBackend({ backend: 'wasm', log: () => {} });
    restoreWasmKernels();
    const before = await benchTrainingSteps(wasmCases, { pytorch: false });
    registerWasmTrainingKernels();
    const after = await benchTrainingSteps(wasmCases, { pytorch: false });
    const pytorch = pytorchStepTimes(wasmCases);
    console.log(`wasm's own kernels:\n${formatPerfTable(withPytorch(before, pytorch))}\n\n` +
      `with ours (src/backend):\n${formatPerfTable(withPytorch(after, pytorch))}`);
    return;
  }
  console.log(formatPerfTable(await benchTrainingSteps()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
