// Finding native TensorFlow (tfjs-node-gpu or tfjs-node) from the project, telling "not installed" from "fails to load".
import { createRequire } from 'node:module';
import { registerNativeKernels } from './native_kernels.js';

/**
 * Packages that bring native TensorFlow, in the order tried. A fresh `npm install` attempts the GPU build (our
 * optional dependency; without CUDA it still runs, on the CPU); Binder installs the CPU build.
 */
export const NATIVE_PACKAGES: readonly string[] = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

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
