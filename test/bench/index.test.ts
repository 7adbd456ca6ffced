// Smoke test of `npm run bench`: the quick mode's smallest case runs and writes JSON of the documented shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarksMarkdown, formatBenchTables } from '../../bench/report.js';
import type { BenchResult } from '../../bench/results.js';
import { ALLOCATOR_ENV } from '../../bench/spawn.js';
import { runBenchCli, type BenchRun } from './bench-cli.js';

let run: BenchRun | undefined;
let result: BenchResult;

// No assertion on any speed: only that every figure is there, with the right type.
beforeAll(async () => {
  run = await runBenchCli(['--quick', '--models', 'linear', '--backends', 'wasm', '--no-data'], 110_000);
  result = run.result;
}, 120_000);

afterAll(async () => {
  await run?.cleanup();
});

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

describe('npm run bench --quick, linear model on wasm', () => {
  it('records the mode, the machine and its load at the start and the end', () => {
    expect(result.schema).toBe(1);
    expect(result.mode).toBe('quick');
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.machine.loadavgStart).toHaveLength(3);
    expect(result.machine.loadavgEnd).toHaveLength(3);
    expect(isNumber(result.machine.loadavgMax1m)).toBe(true);
    expect(result.versions.node).toBe(process.versions.node);
    expect(result.versions['tfjs-core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(isNumber(result.floor.gflopsPerThread)).toBe(true);
  });

  it('pins every child to one CPU where taskset runs (else says why), and records the malloc settings they had', () => {
    const cpu = result.machine.pinnedCpu;
    if (cpu === null || cpu === undefined) expect(result.notes.some((n) => n.startsWith('Not pinned to one CPU'))).toBe(true);
    else expect(cpu).toBe(result.machine.cores - 1);
    expect(result.machine.allocatorEnv).toEqual(ALLOCATOR_ENV);
  });

  it('times only the linear model, on wasm, and skips the data comparison', () => {
    expect(result.models.map((m) => m.model)).toEqual(['linear']);
    expect(result.data).toBeNull();
    const model = result.models[0]!;
    expect(model.failures).toEqual([]);
    expect(model.step.map((s) => s.runner).filter((r) => r !== 'pytorch')).toEqual(['wasm']);
    expect(model.e2e.map((s) => s.runner).filter((r) => r !== 'pytorch')).toEqual(['wasm']);
    expect(model.flops.trainingPerSample).toBeGreaterThan(model.flops.forwardPerSample);
  });

  it('gives each step and end-to-end figure its timings, peak memory and share of the floor', () => {
    const model = result.models[0]!;
    for (const step of model.step) {
      expect(step.runs.length).toBeGreaterThan(0);
      for (const key of ['medianMs', 'minMs', 'samplesPerSecond', 'floorFraction', 'maxRssMb'] as const) expect(isNumber(step[key])).toBe(true);
    }
    for (const e2e of model.e2e) {
      for (const key of ['totalS', 'loadS', 'trainS', 'evalS', 'samplesPerSecond', 'floorFraction', 'maxRssMb', 'trainedSamples'] as const) {
        expect(isNumber(e2e[key])).toBe(true);
      }
      expect(e2e.evals.length).toBeGreaterThan(0);
      expect(e2e.projectedTutorialS).toBeNull(); // quick runs use subsets, which do not scale to the tutorial
    }
  });

  it('compares with PyTorch when it is installed, and says why not when it is not', () => {
    const model = result.models[0]!;
    if (!result.pytorch.available) {
      expect(result.pytorch.reason).toEqual(expect.any(String));
      expect(model.ratios.wasm).toEqual({ step: null, e2e: null, timeToTarget: null });
      return;
    }
    expect(result.versions.torch).toEqual(expect.any(String));
    expect(result.pytorch.threads).toBe(1);
    expect(model.step.some((s) => s.runner === 'pytorch')).toBe(true);
    expect(model.e2e.some((s) => s.runner === 'pytorch')).toBe(true);
    expect(isNumber(model.ratios.wasm?.step)).toBe(true);
    expect(isNumber(model.ratios.wasm?.e2e)).toBe(true);
  });

  it('renders the tables and the markdown from the JSON alone', () => {
    expect(formatBenchTables(result)).toContain('Bare training step');
    const markdown = benchmarksMarkdown(result);
    expect(markdown).toMatch(/^# Benchmarks/);
    expect(markdown).toContain('| linear |');
    expect(markdown).toContain(result.machine.pinnedCpu == null ? 'Children ran unpinned' : `pinned to CPU ${result.machine.pinnedCpu}`);
    expect(markdown).toContain(`MALLOC_MMAP_THRESHOLD_=${ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_}`);
  });
});
