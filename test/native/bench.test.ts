// In the native lane: npm run bench's children start native TensorFlow from NODE_PATH and time a step on it.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childScript, oursEnv, runChild } from '../../bench/spawn.js';

/** Set by scripts/native/test.sh, whose NODE_PATH starts with the tfjs-node build folder. */
const IN_NATIVE_LANE = process.env.NATIVE_LANE === '1';

/** NODE_PATH as a user sets it for the bench: the build folder alone (`NODE_PATH=$(scripts/native/build.sh)`). */
const nativeOnly = (process.env.NODE_PATH ?? '').split(delimiter)[0] ?? '';

describe.skipIf(!IN_NATIVE_LANE)('the bench on native TensorFlow', () => {
  it('probes native TensorFlow as available and active when NODE_PATH holds only the build folder', () => {
    expect(existsSync(childScript())).toBe(true);
    const probe = runChild<{ active: string; available: { name: string }[] }>(
      process.execPath, [childScript(), 'probe'], { timeoutMs: 60_000, env: { TFJS_BACKEND: '', ...oursEnv(nativeOnly) } });
    if (!probe.ok) throw new Error(probe.error);
    expect(probe.result.active).toBe('tensorflow');
    expect(probe.result.available.map((b) => b.name)).toContain('tensorflow');
  });

  it('times the MLP step on native TensorFlow in a child, one TensorFlow graph per step', () => {
    const step = runChild<{ backend: string; runs: { medianMs: number; compiled?: boolean }[] }>(process.execPath,
      [childScript(), 'step', '--model', 'mlp', '--backend', 'tensorflow', '--repeats', '1', '--min-total-ms', '20', '--min-steps', '3'],
      { timeoutMs: 60_000, env: oursEnv(nativeOnly) });
    if (!step.ok) throw new Error(step.error);
    expect(step.result.backend).toBe('tensorflow');
    expect(step.result.runs).toHaveLength(1);
    expect(step.result.runs[0]?.compiled).toBe(true);
  });
});
