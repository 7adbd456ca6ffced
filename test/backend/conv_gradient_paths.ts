// Shared by the conv-gradient tests: their case type, and the switch that sends the kernels down either path.
import type { KernelBackend } from '@tensorflow/tfjs';
import type * as Gemm from '../../src/backend/gemm.js';

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

/**
 * Which path the kernels take, and how often they called gemm.c's im2col / col2im. Each test runs twice: through our
 * wasm module (im2col / col2im and gemm, what runs wherever wasm SIMD does) and through the fallback for runtimes
 * without it (XNNPack products and convolutions, JavaScript copies), the module hidden from the kernels.
 */
export const paths = { withoutModule: false, windowCalls: 0 };

export const PATHS = [['our wasm module', false], ['the fallback without it', true]] as const;

/** The vi.mock factory for src/backend/gemm.js that `paths` steers: `vi.mock('../../src/backend/gemm.js', steerGemm)`. */
export async function steerGemm(importOriginal: () => Promise<unknown>): Promise<typeof Gemm> {
  const actual = (await importOriginal()) as typeof Gemm;
  return {
    ...actual,
    gemmKind: (backend: KernelBackend) => (paths.withoutModule ? undefined : actual.gemmKind(backend)),
    windows: (...args: Parameters<typeof actual.windows>) => (paths.windowCalls++, actual.windows(...args)),
  };
}
