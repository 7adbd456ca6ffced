// Public API of the backend module: re-exports only.
export {
  BACKEND_ENV_VAR,
  BACKEND_NAMES,
  BackendConfigError,
  BackendUnavailableError,
  backendInfo,
  initBackend,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './select.js';
export { NATIVE_PACKAGES } from './native.js';
export { UnsupportedConvGradientError } from './conv2d_backprop_filter.js';
export { WASM_KERNEL_OVERRIDES, registerWasmTrainingKernels, restoreWasmKernels } from './training_kernels.js';
