// bench/spawn.ts: the environment our bench children get, so native TensorFlow from NODE_PATH really loads in them.
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ALLOCATOR_ENV, ONE_THREAD_ENV, oursEnv, parseResult, pinnedCpu, repoRoot, RESULT_MARKER, runChild } from '../../bench/spawn.js';

const projectModules = join(repoRoot(), 'node_modules');

describe('oursEnv', () => {
  it('adds nothing when NODE_PATH is unset or empty', () => {
    expect(oursEnv(undefined)).toEqual({});
    expect(oursEnv('')).toEqual({});
  });

  it("puts the project's node_modules after the NODE_PATH folders, where tfjs-node finds @tensorflow/tfjs", () => {
    const native = '/cache/builds/tfjs-node/node_modules';
    expect(oursEnv(native)).toEqual({ NODE_PATH: [native, projectModules].join(delimiter) });
  });

  it("leaves NODE_PATH alone when it already holds the project's node_modules", () => {
    expect(oursEnv(['/a', projectModules].join(delimiter))).toEqual({});
  });
});

describe('the child protocol', () => {
  it('asks native TensorFlow and PyTorch for one compute thread', () => {
    expect(ONE_THREAD_ENV).toMatchObject({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '-1', OMP_NUM_THREADS: '1' });
  });

  it('reads the marked result line among other output', () => {
    expect(parseResult(`warning: x\n${RESULT_MARKER}{"a":1}\n{"b":2}\n`)).toEqual({ a: 1 });
  });

  it('keeps glibc from unmapping large blocks in every child (both sides get the same allocator settings)', () => {
    const outcome = runChild<{ mmap: string; trim: string }>(process.execPath,
      ['-e', 'console.log(JSON.stringify({ mmap: process.env.MALLOC_MMAP_THRESHOLD_, trim: process.env.MALLOC_TRIM_THRESHOLD_ }))', '--'], { timeoutMs: 30_000 });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.result).toEqual({ mmap: ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_, trim: ALLOCATOR_ENV.MALLOC_TRIM_THRESHOLD_ });
    expect(Number(outcome.result.mmap)).toBeGreaterThanOrEqual(2 ** 20);
  });
});

const hasTaskset = spawnSync('taskset', ['--version']).error === undefined;

describe.skipIf(!hasTaskset)('pinning children to one CPU', () => {
  it('picks the last CPU and runs the child on it alone', () => {
    const pinning = pinnedCpu(2);
    expect(pinning).toEqual({ cpu: 1 });
    // The child reads its own affinity: exactly the pinned CPU.
    const outcome = runChild<{ allowed: string }>('/bin/sh', ['-c', 'printf \'{"allowed":"%s"}\\n\' "$(taskset -cp $$ | sed \'s/.*: //\')"'],
      { timeoutMs: 30_000, cpu: 0 });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.result.allowed).toBe('0');
  });

  it('says why when the CPU cannot be used', () => {
    const pinning = pinnedCpu(100_000);
    expect(pinning).toHaveProperty('reason');
    expect((pinning as { reason: string }).reason).toMatch(/taskset -c 99999 failed/);
  });
});
