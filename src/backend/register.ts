// Registering our kernels and tape gradients once, shared by the wasm and the native registrations.
import { getGradient, getKernel, registerGradient, registerKernel, type GradConfig, type KernelConfig } from '@tensorflow/tfjs';
import { LOG_SOFTMAX_GRADIENT_CONFIG } from './log_softmax.js';
import { LOSS_GRADIENT_CONFIGS } from './loss_kernels.js';

/**
 * Tape gradients of our loss and log-softmax kernels: the same on every backend (they call the backend's own
 * gradient kernels), registered by whichever backend comes first; without the forward kernels they never run.
 */
export const COURSE_GRADIENTS: readonly GradConfig[] = [...LOSS_GRADIENT_CONFIGS, LOG_SOFTMAX_GRADIENT_CONFIG];

/** Registers each config whose kernel `backendName` lacks; returns the names registered now. */
export function registerMissingKernels(configs: readonly KernelConfig[], backendName: string): string[] {
  const registered: string[] = [];
  for (const config of configs) {
    if (getKernel(config.kernelName, backendName) !== undefined) continue;
    registerKernel({ ...config, backendName });
    registered.push(config.kernelName);
  }
  return registered;
}

/** Registers each gradient nobody has registered yet; returns them as "<kernel> gradient". */
export function registerMissingGradients(configs: readonly GradConfig[]): string[] {
  const registered: string[] = [];
  for (const config of configs) {
    if (getGradient(config.kernelName) !== undefined) continue;
    registerGradient(config);
    registered.push(`${config.kernelName} gradient`);
  }
  return registered;
}
