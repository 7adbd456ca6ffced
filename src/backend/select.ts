// Choosing the TF.js backend once per session: native TensorFlow, else wasm, else cpu, with TFJS_BACKEND to override.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_INSTALL_COMMAND, NATIVE_PACKAGES, loadNativeTensorFlow, type NativeLoad } from './native.js';
import { startWasm } from './wasm.js';

/** The backends we choose between, fastest first. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces a backend, e.g. `TFJS_BACKEND=cpu npm test`. */
export const BACKEND_ENV_VAR = 'TFJS_BACKEND';

/** Which backend is active, and why. */
export interface BackendInfo {
  name: BackendName;
  /** The choice in words, e.g. "native TensorFlow not installed: npm install @tensorflow/tfjs-node; ...". */
  reason: string;
  /** True when native TensorFlow (tfjs-node or tfjs-node-gpu) computes. */
  native: boolean;
  /** Compute threads where known: 1 for cpu (JavaScript) and for wasm under Node. */
  threads?: number;
  /** Versions of the packages doing the work, e.g. { 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0' }. */
  versions: Record<string, string>;
}

export interface InitBackendOptions {
  /** Use this backend (overrides TFJS_BACKEND); fails with BackendUnavailableError if it cannot start. */
  backend?: BackendName;
  /** Receives the one line saying which backend is active and why. Default: console.log. */
  log?: (line: string) => void;
  /** Module ids tried for native TensorFlow, in order. Default: NATIVE_PACKAGES. Tests pass fixtures. */
  nativePackages?: readonly string[];
}

/** TFJS_BACKEND (or the backend option) names no backend we know. */
export class BackendConfigError extends Error {
  override name = 'BackendConfigError';
}

/** The backend that was asked for explicitly cannot start here. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

type Request = { name: BackendName; by: string } | { name: 'auto' };

let current: { key: string; info: BackendInfo } | undefined;
let pending: { key: string; promise: Promise<BackendInfo> } | undefined;

/**
 * Picks and starts the TF.js backend: native TensorFlow if installed, else wasm, else cpu. The backend option,
 * then the TFJS_BACKEND environment variable, override the automatic choice. Logs one line on each change, e.g.
 * `TF.js backend: wasm (native TensorFlow not installed: npm install @tensorflow/tfjs-node; wasm runs single-threaded under Node)`.
 * Calling it again with the same request returns the same info at once, without logging.
 * @example await initBackend();                     // notebooks
 * @example await initBackend({ backend: 'cpu', log: () => {} });  // deterministic, quiet tests
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const request = readRequest(options.backend, process.env[BACKEND_ENV_VAR]);
  const nativePackages = options.nativePackages ?? NATIVE_PACKAGES;
  // Same request, same answer: the key includes who asked, since the reason quotes it.
  const key = JSON.stringify([request.name, request.name === 'auto' ? '' : request.by, nativePackages]);
  if (current?.key === key && tf.getBackend() === current.info.name) return current.info;
  if (pending?.key === key) return pending.promise;

  const log = options.log ?? ((line: string) => console.log(line));
  // One switch at a time: a second request waits for the first, so their setBackend calls cannot interleave.
  const previous = pending?.promise.catch(() => undefined) ?? Promise.resolve();
  const promise = previous.then(() => choose(request, nativePackages)).then((info) => {
    current = { key, info };
    log(`TF.js backend: ${info.name} (${info.reason})`);
    return info;
  });
  pending = { key, promise };
  try {
    return await promise;
  } finally {
    if (pending?.promise === promise) pending = undefined;
  }
}

/** The info from the last initBackend, or undefined if none ran or the backend was changed since (tf.setBackend). */
export function backendInfo(): BackendInfo | undefined {
  return current !== undefined && tf.getBackend() === current.info.name ? current.info : undefined;
}

function readRequest(option: string | undefined, env: string | undefined): Request {
  if (option !== undefined) return { name: checkName(option, 'the backend option'), by: `initBackend({ backend: '${option}' })` };
  const value = env?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'auto') return { name: 'auto' };
  return { name: checkName(value, BACKEND_ENV_VAR), by: `${BACKEND_ENV_VAR}=${value}` };
}

function checkName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendConfigError(`${source} must be one of ${BACKEND_NAMES.join(', ')} (or unset/auto for the automatic ` +
    `choice), got '${value}'. Fix or unset it, e.g. ${BACKEND_ENV_VAR}=wasm.`);
}

async function choose(request: Request, nativePackages: readonly string[]): Promise<BackendInfo> {
  if (request.name === 'tensorflow') {
    const info = await tryNative(loadNativeTensorFlow(nativePackages), `requested by ${request.by}`);
    if (typeof info !== 'string') return info;
    const why = info === NOT_INSTALLED ? `none of ${nativePackages.join(', ')} is installed` : info;
    throw new BackendUnavailableError(`${request.by} asks for native TensorFlow, but ${why}. Install it with ` +
      `${NATIVE_INSTALL_COMMAND} (or @tensorflow/tfjs-node-gpu for CUDA), or ask for wasm or cpu instead.`);
  }
  if (request.name === 'wasm') {
    const info = await tryWasm(`requested by ${request.by}`);
    if (typeof info !== 'string') return info;
    throw new BackendUnavailableError(`${request.by} asks for wasm, but ${info}. Reinstall it with ` +
      `npm install @tensorflow/tfjs-backend-wasm@${tf.version_core}, or ask for cpu instead.`);
  }
  if (request.name === 'cpu') return startCpu(`requested by ${request.by}`);

  const native = await tryNative(loadNativeTensorFlow(nativePackages), 'native TensorFlow found');
  if (typeof native !== 'string') return native;
  const whyNotNative = native === NOT_INSTALLED ? `${NOT_INSTALLED}: ${NATIVE_INSTALL_COMMAND}` : native;
  const wasm = await tryWasm(whyNotNative);
  if (typeof wasm !== 'string') return wasm;
  return startCpu(`${whyNotNative}; ${wasm}; cpu is the pure-JavaScript fallback`);
}

const NOT_INSTALLED = 'native TensorFlow not installed';

/** Starts native TensorFlow, or returns why not (a phrase). */
async function tryNative(load: NativeLoad, reason: string): Promise<BackendInfo | string> {
  if (load.status === 'not-installed') return NOT_INSTALLED;
  if (load.status === 'failed') return `${load.packageName} is installed but failed to load (${load.error})`;
  if (!(await setBackendSafely('tensorflow'))) return `${load.packageName} loaded but its backend failed to start`;
  const binding = (tf.backend() as { binding?: { TF_Version?: unknown } }).binding;
  const versions: Record<string, string> = { 'tfjs-core': tf.version_core, ...pick(load.versions, 'tfjs-node') };
  if (typeof binding?.TF_Version === 'string') versions.tensorflow = binding.TF_Version;
  const tensorflow = versions.tensorflow === undefined ? '' : ` ${versions.tensorflow}`;
  const device = load.packageName.endsWith('-gpu') ? ' (GPU build: uses a CUDA GPU when one is set up, else the CPU)' : '';
  return { name: 'tensorflow', reason: `${reason}: TensorFlow${tensorflow} via ${load.packageName}${device}`, native: true, versions };
}

/** Starts wasm, or returns why not (a phrase). */
async function tryWasm(reason: string): Promise<BackendInfo | string> {
  let start;
  try {
    start = await startWasm();
  } catch (error) {
    return `wasm failed to start (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!start.ok) return 'wasm failed to start (see the warning above)';
  const threads = start.threads === 1 ? 'wasm runs single-threaded under Node' : `wasm runs on ${start.threads} threads`;
  // Measured: the SIMD build computes the CNN's filter gradient about 5x faster than the plain one.
  const simd = start.simd === true ? '' : ' without SIMD (a Node from before 16.4?), so convolutions are ~5x slower';
  return {
    name: 'wasm',
    reason: `${reason}; ${threads}${simd}`,
    native: false,
    threads: start.threads,
    versions: { 'tfjs-core': tf.version_core, 'tfjs-backend-wasm': start.version },
  };
}

async function startCpu(reason: string): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  return { name: 'cpu', reason, native: false, threads: 1, versions: { 'tfjs-core': tf.version_core, 'tfjs-backend-cpu': tf.version['tfjs-backend-cpu'] ?? tf.version_core } };
}

/** tf.setBackend, with "not registered" (which throws) reported as failure like any other. */
async function setBackendSafely(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function pick(table: Record<string, string>, key: string): Record<string, string> {
  const value = table[key];
  return value === undefined ? {} : { [key]: value };
}
