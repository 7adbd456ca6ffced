// `npm run bench -- --no-e2e`: bare steps only, and a full-mode partial run never touches BENCHMARKS.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/results.js';
import { runBenchCli, type BenchRun } from './bench-cli.js';

let run: BenchRun | undefined;
let result: BenchResult;
let stderr: string;

beforeAll(async () => {
  run = await runBenchCli(['--quick', '--models', 'linear', '--backends', 'cpu', '--no-pytorch', '--no-data', '--no-e2e'], 60_000);
  ({ result, stderr } = run);
}, 70_000);

afterAll(async () => {
  await run?.cleanup();
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
