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

/** Points wasm at its binaries and makes it the active backend. */
export async function startWasm(): Promise<WasmStart> {
  // Emscripten's own guess (the script's folder) also works under plain Node, but not once a bundler or test
  // runner moves the JavaScript; an explicit folder works everywhere. It must be set before the first init.
  if (!pathsSet) {
    setWasmPaths(wasmBinaryFolder());
    pathsSet = true;
  }
  registerWasmTrainingKernels(); // a no-op unless someone unregistered ours since import
  const ok = await tf.setBackend('wasm');
  if (!ok) return { ok, version: version_wasm };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok, threads: getThreadsCount(), simd: simd === true, version: version_wasm };
}
