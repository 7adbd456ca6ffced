// Tests for initBackend: the native -> wasm -> cpu order, the TFJS_BACKEND override, idempotence and the log line.
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { loadNativeTensorFlow, ONEDNN_OPTS_ENV } from '../../src/backend/native.js';
import {
  BACKEND_ENV_VAR,
  BackendConfigError,
  BackendUnavailableError,
  backendInfo,
  initBackend,
  type BackendInfo,
} from '../../src/backend/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const NOT_INSTALLED = ['@mnist-course/no-such-native-package'];
const BROKEN = [fixture('broken-native.cjs')];
const FAKE = [fixture('fake-native.cjs')];
const ENV_RECORDER = [fixture('env-native.cjs')];

/** Runs initBackend with a log that records its lines. */
async function init(options: Parameters<typeof initBackend>[0] = {}): Promise<{ info: BackendInfo; lines: string[] }> {
  const lines: string[] = [];
  const info = await initBackend({ ...options, log: (line) => lines.push(line) });
  return { info, lines };
}

const savedEnv = process.env[BACKEND_ENV_VAR];
beforeEach(() => {
  delete process.env[BACKEND_ENV_VAR];
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env[BACKEND_ENV_VAR];
  else process.env[BACKEND_ENV_VAR] = savedEnv;
});
afterAll(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
});

describe('importing the backend module', () => {
  it('registers the wasm filter-gradient kernel, so a plain tf.setBackend("wasm") can train CNNs too', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});

describe('initBackend', () => {
  it('picks wasm when native TensorFlow is not installed, and says so in one line', async () => {
    const { info, lines } = await init({ nativePackages: NOT_INSTALLED });
    expect(info).toMatchObject({ name: 'wasm', native: false, threads: 1 });
    expect(info.versions['tfjs-backend-wasm']).toBe(tf.version_core);
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toEqual([
      'TF.js backend: wasm (native TensorFlow not installed: npm install @tensorflow/tfjs-node; wasm runs single-threaded under Node)',
    ]);
  });

  it('returns the same info without a second log line when called again', async () => {
    const first = await init({ nativePackages: NOT_INSTALLED });
    const again = await init({ nativePackages: NOT_INSTALLED });
    expect(again.info).toBe(first.info);
    expect(again.lines).toEqual([]);
    expect(backendInfo()).toBe(first.info);
  });

  it('shares one selection between concurrent calls', async () => {
    await tf.setBackend('cpu');
    const lines: string[] = [];
    const log = (line: string): number => lines.push(line);
    const [a, b] = await Promise.all([
      initBackend({ nativePackages: NOT_INSTALLED, log }),
      initBackend({ nativePackages: NOT_INSTALLED, log }),
    ]);
    expect(a).toBe(b);
    expect(lines).toHaveLength(1);
  });

  it('falls back to wasm when a native package is installed but fails to load, quoting the error', async () => {
    const { info } = await init({ nativePackages: BROKEN });
    expect(info.name).toBe('wasm');
    expect(info.reason).toContain('is installed but failed to load (libtensorflow.so.2: cannot open shared object file');
    expect(info.reason).not.toContain('Module._extensions');
  });

  it('lets the backend option override the automatic choice', async () => {
    const { info, lines } = await init({ backend: 'cpu', nativePackages: NOT_INSTALLED });
    expect(info).toMatchObject({ name: 'cpu', native: false, threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual(["TF.js backend: cpu (requested by initBackend({ backend: 'cpu' }))"]);
  });

  it('lets TFJS_BACKEND override the automatic choice', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const { info } = await init({ nativePackages: NOT_INSTALLED });
    expect(info).toMatchObject({ name: 'cpu', reason: 'requested by TFJS_BACKEND=cpu' });
  });

  it('gives the backend option precedence over TFJS_BACKEND', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const { info } = await init({ backend: 'wasm', nativePackages: NOT_INSTALLED });
    expect(info.name).toBe('wasm');
  });

  it('treats an empty or "auto" TFJS_BACKEND as unset', async () => {
    process.env[BACKEND_ENV_VAR] = ' Auto ';
    expect((await init({ nativePackages: NOT_INSTALLED })).info.name).toBe('wasm');
    process.env[BACKEND_ENV_VAR] = '';
    expect((await init({ nativePackages: NOT_INSTALLED })).info.name).toBe('wasm');
  });

  it('rejects an unknown TFJS_BACKEND with a message listing the valid values', async () => {
    process.env[BACKEND_ENV_VAR] = 'webgpu';
    const attempt = init({ nativePackages: NOT_INSTALLED });
    await expect(attempt).rejects.toBeInstanceOf(BackendConfigError);
    await expect(attempt).rejects.toThrow("TFJS_BACKEND must be one of tensorflow, wasm, cpu (or unset/auto for the automatic choice), got 'webgpu'");
  });

  it('fails clearly, with the install command, when TFJS_BACKEND=tensorflow and nothing native is installed', async () => {
    process.env[BACKEND_ENV_VAR] = 'tensorflow';
    const attempt = init({ nativePackages: NOT_INSTALLED });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/TFJS_BACKEND=tensorflow asks for native TensorFlow, but none of .* is installed\. Install it with npm install @tensorflow\/tfjs-node/);
  });

  it('quotes the load error when TFJS_BACKEND=tensorflow and the native package is broken', async () => {
    process.env[BACKEND_ENV_VAR] = 'tensorflow';
    await expect(init({ nativePackages: BROKEN })).rejects.toThrow(/failed to load \(libtensorflow\.so\.2/);
  });

  it('forgets its info once tf.setBackend switches backends behind its back', async () => {
    await init({ backend: 'cpu', nativePackages: NOT_INSTALLED });
    expect(backendInfo()?.name).toBe('cpu');
    await tf.setBackend('wasm');
    expect(backendInfo()).toBeUndefined();
  });

  // These load the fake native package, which stays registered as 'tensorflow' until afterAll removes it.
  it('prefers native TensorFlow when a native package loads', async () => {
    const { info, lines } = await init({ nativePackages: FAKE });
    expect(info).toMatchObject({ name: 'tensorflow', native: true });
    expect(info.versions).toMatchObject({ 'tfjs-node': '4.22.0-fixture', tensorflow: '2.9.1-fixture' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(lines).toEqual([`TF.js backend: tensorflow (native TensorFlow found: TensorFlow 2.9.1-fixture via ${FAKE[0]})`]);
  });

  it('tries the next native package when the first one fails to load', async () => {
    const { info } = await init({ nativePackages: [...BROKEN, ...FAKE] });
    expect(info.name).toBe('tensorflow');
  });

  it('has the documented types', () => {
    expectTypeOf(initBackend).returns.resolves.toEqualTypeOf<BackendInfo>();
    expectTypeOf(backendInfo).returns.toEqualTypeOf<BackendInfo | undefined>();
    expectTypeOf<BackendInfo['name']>().toEqualTypeOf<'tensorflow' | 'wasm' | 'cpu'>();
  });
});

describe('starting native TensorFlow', () => {
  const saved = process.env[ONEDNN_OPTS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[ONEDNN_OPTS_ENV];
    else process.env[ONEDNN_OPTS_ENV] = saved;
  });
  const recorded = (): unknown => (globalThis as { __oneDnnOptsAtLoad?: unknown }).__oneDnnOptsAtLoad;

  it("turns TensorFlow's oneDNN rewrites off before it starts, unless TF_ENABLE_ONEDNN_OPTS is set", () => {
    delete process.env[ONEDNN_OPTS_ENV];
    expect(loadNativeTensorFlow(ENV_RECORDER)).toMatchObject({ status: 'failed' });
    expect(recorded()).toBe('0');
    process.env[ONEDNN_OPTS_ENV] = '1';
    loadNativeTensorFlow(ENV_RECORDER);
    expect(recorded()).toBe('1');
  });
});
