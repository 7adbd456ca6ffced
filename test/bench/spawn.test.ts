// bench/spawn.ts: the environment our bench children get, so native TensorFlow from NODE_PATH really loads in them.
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONE_THREAD_ENV, oursEnv, parseResult, repoRoot, RESULT_MARKER } from '../../bench/spawn.js';

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
});
