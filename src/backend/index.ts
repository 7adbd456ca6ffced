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
export { UnsupportedConvGradientError, registerWasmTrainingKernels } from './conv2d_backprop_filter.js';
