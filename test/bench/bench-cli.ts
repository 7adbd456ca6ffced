// Shared by the bench smoke tests: run the compiled `npm run bench` CLI in a scratch folder and read its JSON.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../../bench/results.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'bench', 'index.js');

/** One finished bench run: its JSON, its stderr, and `cleanup` to remove its scratch folder. */
export interface BenchRun {
  result: BenchResult;
  stderr: string;
  cleanup: () => Promise<void>;
}

/** Runs the bench with `args` plus `--out <scratch>/bench.json`; throws with its stderr when it exits non-zero. */
export async function runBenchCli(args: string[], timeoutMs: number): Promise<BenchRun> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does).`);
  const folder = await mkdtemp(join(tmpdir(), 'bench-test-'));
  const cleanup = (): Promise<void> => rm(folder, { recursive: true, force: true });
  const out = join(folder, 'bench.json');
  const run = spawnSync(process.execPath, [cli, ...args, '--out', out], { encoding: 'utf8', timeout: timeoutMs });
  if (run.status !== 0) {
    await cleanup();
    throw new Error(`bench exited with ${run.status}: ${run.stderr}`);
  }
  return { result: JSON.parse(await readFile(out, 'utf8')) as BenchResult, stderr: run.stderr, cleanup };
}
