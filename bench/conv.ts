// Benchmark: Conv2DBackpropFilter on wasm (our kernel) vs the cpu backend, for the seed-001 CNN's convs at batch 64.
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];
const PYTORCH_PADDING_1: Pad4 = [[0, 0], [1, 1], [1, 1], [0, 0]];

/** One convolution of the seed-001 CNN (Conv2d(cin, cout, 3, stride 2, padding 1)), NHWC. */
export interface ConvShape {
  name: string;
  /** [height, width, inChannels] of the conv's input. */
  input: [number, number, number];
  /** [kh, kw, inChannels, outChannels]. */
  filter: [number, number, number, number];
}

export const SEED_CNN_CONVS: ConvShape[] = [
  { name: 'conv1 1->16', input: [28, 28, 1], filter: [3, 3, 1, 16] },
  { name: 'conv2 16->16', input: [14, 14, 16], filter: [3, 3, 16, 16] },
  { name: 'conv3 16->10', input: [7, 7, 16], filter: [3, 3, 16, 10] },
];

export interface ConvBenchOptions {
  /** Default 64, the tutorial's batch size. */
  batchSize?: number;
  /** Timed calls per conv on wasm; we report the median. Default 30 (a call takes about a millisecond). */
  wasmRepeats?: number;
  /** Timed calls per conv on cpu. Default 3: its JavaScript loops take seconds per call at batch 64. */
  cpuRepeats?: number;
  /** Untimed calls first (XNNPack sets up its operators on the first). Default 1. */
  warmup?: number;
}

export interface ConvBenchRow {
  name: string;
  x: number[];
  dy: number[];
  /** Median milliseconds per Conv2DBackpropFilter call. */
  wasmMs: number;
  cpuMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timeKernel(backend: 'wasm' | 'cpu', x: Float32Array, xShape: number[], dyShape: number[],
  filter: ConvShape['filter'], repeats: number, warmup: number): Promise<number> {
  await initBackend({ backend, log: () => {} });
  const xs = tf.tensor(x, xShape);
  const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 2);
  const attrs = { strides: 2, pad: PYTORCH_PADDING_1, dataFormat: 'NHWC', filterShape: filter };
  const times: number[] = [];
  for (let i = 0; i < warmup + repeats; i++) {
    const start = performance.now();
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy }, attrs) as tf.Tensor;
    dw.dataSync(); // both backends compute synchronously, but reading makes the timing honest for any backend
    if (i >= warmup) times.push(performance.now() - start);
    dw.dispose();
  }
  tf.dispose([xs, dy]);
  return median(times);
}

/** Times the filter gradient of each conv on wasm and on cpu, with identical inputs. */
export async function benchConvBackpropFilter(options: ConvBenchOptions = {}): Promise<ConvBenchRow[]> {
  const { batchSize = 64, wasmRepeats = 30, cpuRepeats = 3, warmup = 1 } = options;
  const rows: ConvBenchRow[] = [];
  for (const conv of SEED_CNN_CONVS) {
    const [height, width, channels] = conv.input;
    const xShape = [batchSize, height, width, channels];
    const outSize = (n: number): number => Math.floor((n + 2 - 3) / 2) + 1;
    const dyShape = [batchSize, outSize(height), outSize(width), conv.filter[3]];
    const x = Float32Array.from({ length: tf.util.sizeFromShape(xShape) }, (_, i) => Math.sin(i));
    const wasmMs = await timeKernel('wasm', x, xShape, dyShape, conv.filter, wasmRepeats, warmup);
    const cpuMs = await timeKernel('cpu', x, xShape, dyShape, conv.filter, cpuRepeats, warmup);
    rows.push({ name: conv.name, x: xShape, dy: dyShape, wasmMs, cpuMs });
  }
  return rows;
}

/** A plain-text table of the rows, one conv per line. */
export function formatConvBenchTable(rows: ConvBenchRow[]): string {
  const header = ['conv', 'x', 'dy', 'wasm ms', 'cpu ms', 'cpu/wasm'];
  const body = rows.map((r) => [r.name, `[${r.x.join(',')}]`, `[${r.dy.join(',')}]`,
    r.wasmMs.toFixed(2), r.cpuMs.toFixed(2), `${(r.cpuMs / r.wasmMs).toFixed(1)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [
    'Conv2DBackpropFilter, per call (median), seed-001 CNN convs (3x3, stride 2, padding 1):',
    line(header),
    ...body.map(line),
  ].join('\n');
}

/** Seconds per SGD step (forward, backward, update) of the whole seed-001 CNN, per backend. */
export interface StepBenchRow {
  backend: 'wasm' | 'cpu';
  batchSize: number;
  /** Median milliseconds per training step. */
  stepMs: number;
}

async function timeSeedCnnStep(backend: 'wasm' | 'cpu', batchSize: number, repeats: number): Promise<number> {
  await initBackend({ backend, log: () => {} });
  const weights = SEED_CNN_CONVS.map((conv, i) => tf.variable(tf.randomNormal(conv.filter, 0, 0.3, 'float32', i)));
  const biases = SEED_CNN_CONVS.map((conv) => tf.variable(tf.zeros([conv.filter[3]])));
  const images = tf.randomUniform([batchSize, 28, 28, 1], 0, 1, 'float32', 7);
  const labels = tf.oneHot(tf.randomUniform([batchSize], 0, 10, 'int32', 8), 10);
  const optimizer = tf.train.sgd(0.1);
  const loss = (): tf.Scalar => tf.tidy(() => {
    let h: tf.Tensor4D = images as tf.Tensor4D;
    weights.forEach((w, i) => {
      h = tf.relu(tf.add(tf.conv2d(h, w as tf.Tensor4D, 2, PYTORCH_PADDING_1), biases[i] as tf.Variable)) as tf.Tensor4D;
    });
    const logits = tf.reshape(tf.avgPool(h, 4, 4, 'valid'), [batchSize, 10]); // the tutorial's avg_pool2d(xb, 4)
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  });
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    tf.dispose(optimizer.minimize(loss, true) ?? []);
    if (i > 0) times.push(performance.now() - start); // the first step sets things up
  }
  tf.dispose([...weights, ...biases, images, labels]);
  optimizer.dispose();
  return median(times);
}

/** Times one training step of the seed-001 CNN on wasm and on cpu. */
export async function benchSeedCnnStep(options: ConvBenchOptions = {}): Promise<StepBenchRow[]> {
  const { batchSize = 64, cpuRepeats = 3 } = options;
  return [
    { backend: 'wasm', batchSize, stepMs: await timeSeedCnnStep('wasm', batchSize, 10) },
    { backend: 'cpu', batchSize, stepMs: await timeSeedCnnStep('cpu', batchSize, cpuRepeats) },
  ];
}

/** Plain-text lines for the step rows, with the time one 50,000-image epoch would take. */
export function formatStepBenchTable(rows: StepBenchRow[]): string {
  const epoch = (row: StepBenchRow): string => `${((Math.ceil(50_000 / row.batchSize) * row.stepMs) / 1000).toFixed(0)} s`;
  return ['One SGD step of the seed-001 CNN (3 convs, avgPool, cross-entropy):',
    ...rows.map((r) => `${r.backend.padEnd(5)} batch ${r.batchSize}: ${r.stepMs.toFixed(1).padStart(8)} ms/step, ~${epoch(r)} per 50k-image epoch`),
  ].join('\n');
}

async function main(): Promise<void> {
  console.log(formatConvBenchTable(await benchConvBackpropFilter()));
  console.log();
  console.log(formatStepBenchTable(await benchSeedCnnStep()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
