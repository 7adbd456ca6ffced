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
  /** Timed calls per conv and backend; we report the median. Default 20. */
  repeats?: number;
  /** Untimed calls first (wasm compiles lazily, XNNPack sets up). Default 3. */
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
  const { batchSize = 64, repeats = 20, warmup = 3 } = options;
  const rows: ConvBenchRow[] = [];
  for (const conv of SEED_CNN_CONVS) {
    const [height, width, channels] = conv.input;
    const xShape = [batchSize, height, width, channels];
    const outSize = (n: number): number => Math.floor((n + 2 - 3) / 2) + 1;
    const dyShape = [batchSize, outSize(height), outSize(width), conv.filter[3]];
    const x = Float32Array.from({ length: tf.util.sizeFromShape(xShape) }, (_, i) => Math.sin(i));
    const wasmMs = await timeKernel('wasm', x, xShape, dyShape, conv.filter, repeats, warmup);
    const cpuMs = await timeKernel('cpu', x, xShape, dyShape, conv.filter, repeats, warmup);
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

async function main(): Promise<void> {
  console.log(formatConvBenchTable(await benchConvBackpropFilter()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
