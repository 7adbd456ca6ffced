// Finding native TensorFlow (tfjs-node-gpu or tfjs-node) from the project, telling "not installed" from "fails to load".
import { createRequire } from 'node:module';
import { registerNativeKernels } from './native_kernels.js';

/**
 * Packages that bring native TensorFlow, in the order tried. A fresh `npm install` attempts the GPU build (our
 * optional dependency; without CUDA it still runs, on the CPU); Binder installs the CPU build.
 */
export const NATIVE_PACKAGES: readonly string[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** TensorFlow's switch for its oneDNN graph and eager-op rewrites, read once as TensorFlow starts. */
export const ONEDNN_OPTS_ENV = 'TF_ENABLE_ONEDNN_OPTS';

/**
 * Turns TensorFlow's oneDNN rewrites off unless the user set TF_ENABLE_ONEDNN_OPTS. On by default in TF 2.9's Linux
 * builds, they rewrite every graph our compiled steps run, with layout bookkeeping around each op. Measured on a
 * 2-core EPYC, one thread: the linear model's step 0.27 -> 0.17 ms without them and seed 004's 0.32 -> 0.19 ms (PyTorch
 * 0.16 and 0.17), for CNN and ResNet steps about 14 % slower (2.9 -> 3.3 ms, 66 -> 76 ms; PyTorch 2.9 and 80):
 * their convolutions and batch norm keep oneDNN's kernels, which src/graph/onednn.ts selects by label.
 */
function oneDnnRewritesOffByDefault(): void {
  if (process.env[ONEDNN_OPTS_ENV] === undefined) process.env[ONEDNN_OPTS_ENV] = '0';
}

/** The command we suggest when no native package is installed. */
export const NATIVE_INSTALL_COMMAND = 'npm install @tensorflow/tfjs-node';

/** What a native package exports that we read: its merged version table. */
interface NativeModule {
  version?: Record<string, unknown>;
}

/** Outcome of looking for native TensorFlow. */
export type NativeLoad =
  | { status: 'loaded'; packageName: string; versions: Record<string, string> }
  | { status: 'not-installed' }
  | { status: 'failed'; packageName: string; error: string };

/** The first line of an error message, shortened: native load errors can run to pages. */
export function firstLine(error: unknown, maxLength = 200): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  return line.length > maxLength ? `${line.slice(0, maxLength - 3)}...` : line;
}

function isNotFound(error: unknown, id: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  // Only a missing package counts as "not installed"; a missing file inside it means a broken install.
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${id}'`);
}

/**
 * Requires the first native package that loads. Loading one registers the 'tensorflow' backend with TF.js as a
 * side effect (and makes it active); the caller still awaits tf.setBackend('tensorflow') to be sure.
 * Resolution starts at this file, so the packages are found in the project's node_modules.
 * @param packages module ids to try in order (tests pass fixture paths)
 */
export function loadNativeTensorFlow(packages: readonly string[] = NATIVE_PACKAGES): NativeLoad {
  const requireFromHere = createRequire(import.meta.url);
  let failure: NativeLoad | undefined;
  for (const packageName of packages) {
    try {
      requireFromHere.resolve(packageName);
    } catch (error) {
      if (isNotFound(error, packageName)) continue;
      failure ??= { status: 'failed', packageName, error: firstLine(error) };
      continue;
    }
    try {
      oneDnnRewritesOffByDefault(); // before TensorFlow starts: it reads the variable once
      const module = requireFromHere(packageName) as NativeModule;
      registerNativeKernels(); // our Dense, loss and SGD kernels for the 'tensorflow' backend the package just registered
      return { status: 'loaded', packageName, versions: stringEntries(module.version) };
    } catch (error) {
      // Installed but its TensorFlow C library or CUDA libraries failed to load: try the next package.
      failure ??= { status: 'failed', packageName, error: firstLine(error) };
    }
  }
  return failure ?? { status: 'not-installed' };
}

function stringEntries(table: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(table ?? {})) if (typeof value === 'string') out[key] = value;
  return out;
}
