// `npm run bench -- --no-e2e`: bare steps only, and a full-mode partial run never touches BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/results.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'bench', 'index.js');
let folder: string;
let result: BenchResult;
let stderr: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does).`);
  folder = await mkdtemp(join(tmpdir(), 'bench-no-e2e-'));
  const out = join(folder, 'bench.json');
  const run = spawnSync(process.execPath, [cli, '--quick', '--models', 'linear', '--backends', 'cpu', '--no-pytorch', '--no-data',
    '--no-e2e', '--out', out], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`bench exited with ${run.status}: ${run.stderr}`);
  stderr = run.stderr;
  result = JSON.parse(await readFile(out, 'utf8')) as BenchResult;
}, 70_000);

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('npm run bench --no-e2e', () => {
  it('times the bare step and runs no tutorial, saying so in the notes', () => {
    const model = result.models[0]!;
    expect(model.step.map((s) => s.runner)).toEqual(['cpu']);
    expect(model.e2e).toEqual([]);
    expect(result.notes).toContain('Tutorials end to end not run (--no-e2e): bare steps only.');
    expect(stderr).not.toContain('wrote BENCHMARKS.md');
  });
});
