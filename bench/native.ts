// Benchmark: one training step of the course's MLP and seed-001 CNN on native TensorFlow (tfjs-node) vs wasm.
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend } from '../src/backend/index.js';
import { createCnn, createMlp } from '../src/models/index.js';
import { SGD, crossEntropy } from '../src/train/index.js';

/** A model as the benchmark trains it: the tutorial's batch size and optimizer settings. */
export interface StepCase {
  name: string;
  build: () => tf.LayersModel;
  batchSize: number;
  lr: number;
  momentum: number;
}

export const NATIVE_BENCH_CASES: readonly StepCase[] = [
  { name: 'MLP 784-128-128-64-64-10', build: () => createMlp({ seed: 1 }), batchSize: 32, lr: 0.1, momentum: 0 },
  { name: 'seed-001 CNN', build: () => createCnn({ seed: 1 }), batchSize: 64, lr: 0.1, momentum: 0.9 },
];

export interface NativeBenchOptions {
  /** Timed steps per case and backend; we report the median. Default 30. */
  repeats?: number;
  /** Untimed steps first (graph and kernel set-up, oneDNN primitive caches). Default 3. */
  warmup?: number;
}

export interface NativeBenchRow {
  name: string;
  batchSize: number;
  /** Median milliseconds per SGD step (forward, backward, update, reading the loss); undefined when not run. */
  tensorflowMs?: number;
  wasmMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timeSteps(backend: 'tensorflow' | 'wasm', testCase: StepCase, repeats: number, warmup: number): Promise<number> {
  await initBackend({ backend, log: () => {} });
  const model = testCase.build();
  const images = tf.randomUniform([testCase.batchSize, 784], 0, 1, 'float32', 7);
  const labels = tf.randomUniform([testCase.batchSize], 0, 10, 'int32', 8);
  const optimizer = new SGD(model, { lr: testCase.lr, momentum: testCase.momentum });
  const times: number[] = [];
  for (let i = 0; i < warmup + repeats; i++) {
    const start = performance.now();
    const loss = optimizer.step(() => crossEntropy(model.apply(images, { training: true }) as tf.Tensor, labels));
    loss.dataSync(); // the loss read is part of every real training step, and it waits for the computation
    loss.dispose();
    if (i >= warmup) times.push(performance.now() - start);
  }
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  return median(times);
}

/** Why native TensorFlow cannot run here, or undefined when it can. */
async function nativeUnavailable(): Promise<string | undefined> {
  try {
    await initBackend({ backend: 'tensorflow', log: () => {} });
    return undefined;
  } catch (error) {
    if (error instanceof BackendUnavailableError) return error.message;
    throw error;
  }
}

/**
 * Times each case on native TensorFlow (when installed; see scripts/native/build.sh for CI) and on wasm.
 * @returns one row per case, and the reason native was skipped (undefined when it ran)
 */
export async function benchNativeSteps(options: NativeBenchOptions = {}): Promise<{ rows: NativeBenchRow[]; skipped?: string }> {
  const { repeats = 30, warmup = 3 } = options;
  const skipped = await nativeUnavailable();
  const rows: NativeBenchRow[] = [];
  for (const testCase of NATIVE_BENCH_CASES) {
    const tensorflowMs = skipped === undefined ? await timeSteps('tensorflow', testCase, repeats, warmup) : undefined;
    const wasmMs = await timeSteps('wasm', testCase, repeats, warmup);
    rows.push({ name: testCase.name, batchSize: testCase.batchSize, wasmMs, ...(tensorflowMs === undefined ? {} : { tensorflowMs }) });
  }
  return skipped === undefined ? { rows } : { rows, skipped };
}

/** A plain-text table: ms per step and images per second on each backend, and the speed-up. */
export function formatNativeBenchTable(rows: NativeBenchRow[], skipped?: string): string {
  const perSecond = (ms: number | undefined, batch: number): string => (ms === undefined ? '-' : ((batch * 1000) / ms).toFixed(0));
  const header = ['model', 'batch', 'native ms', 'wasm ms', 'native img/s', 'wasm img/s', 'wasm/native'];
  const body = rows.map((r) => [r.name, String(r.batchSize), r.tensorflowMs?.toFixed(2) ?? '-', r.wasmMs.toFixed(2),
    perSecond(r.tensorflowMs, r.batchSize), perSecond(r.wasmMs, r.batchSize),
    r.tensorflowMs === undefined ? '-' : `${(r.wasmMs / r.tensorflowMs).toFixed(1)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  const note = skipped === undefined ? [] : [`native skipped: ${skipped}`];
  return ['One SGD training step (median), native TensorFlow vs wasm:', line(header), ...body.map(line), ...note].join('\n');
}

async function main(): Promise<void> {
  const { rows, skipped } = await benchNativeSteps();
  console.log(formatNativeBenchTable(rows, skipped));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
