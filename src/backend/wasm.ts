// Starting the wasm backend under Node: where its .wasm binaries live, its thread count, and our training kernels.
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './training_kernels.js';

/** What starting wasm found out. */
export interface WasmStart {
  ok: boolean;
  /** XNNPack threads; 1 under Node, where tfjs-backend-wasm's thread check always fails. */
  threads?: number;
  /** Whether the SIMD build was loaded (Node 16.4+ validates wasm SIMD). */
  simd?: boolean;
  version: string;
}

// Registered on import, like tfjs-backend-wasm's own kernels, so CNNs also train after a plain
// tf.setBackend('wasm') that bypasses initBackend. It only adds a registry entry; nothing runs until a gradient does.
registerWasmTrainingKernels();

let pathsSet = false;

/**
 * The folder holding tfjs-backend-wasm's .wasm files, with a trailing separator, found from this project.
 * Its Node entry point sits in that same dist/ folder, so resolving the package finds it without a bundler.
 */
export function wasmBinaryFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + sep;
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `start` and removes the process handlers it added. Emscripten's Node glue in tfjs-backend-wasm installs
 * handlers that rethrow every uncaught exception and unhandled rejection. In a plain script that changes nothing
 * (Node ends the process either way), but in the tslab kernel it turns an error tslab would report and survive (a
 * student's un-awaited promise, a file watcher hiccup) into the kernel's death mid-notebook.
 */
export async function withoutRethrowingHandlers<T>(start: () => Promise<T>): Promise<T> {
  const listeners = (event: (typeof PROCESS_EVENTS)[number]): Function[] => process.listeners(event as 'uncaughtException');
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/** Points wasm at its binaries and makes it the active backend. */
export async function startWasm(): Promise<WasmStart> {
  // Emscripten's own guess (the script's folder) also works under plain Node, but not once a bundler or test
  // runner moves the JavaScript; an explicit folder works everywhere. It must be set before the first init.
  if (!pathsSet) {
    setWasmPaths(wasmBinaryFolder());
    pathsSet = true;
  }
  registerWasmTrainingKernels(); // a no-op unless someone unregistered ours since import
  const ok = await withoutRethrowingHandlers(() => tf.setBackend('wasm'));
  if (!ok) return { ok, version: version_wasm };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok, threads: getThreadsCount(), simd: simd === true, version: version_wasm };
}
