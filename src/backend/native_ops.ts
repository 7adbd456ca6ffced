// Calling native TensorFlow's ops directly from our kernels: the shared plumbing of native_kernels and native_train_kernels.
import type { Tensor, TensorInfo } from '@tensorflow/tfjs';

/** The backend name tfjs-node and tfjs-node-gpu register. */
export const NATIVE_BACKEND = 'tensorflow';

/** One TFE op attribute, as tfjs-node's binding takes it. */
export interface OpAttr {
  name: string;
  type: number;
  value: boolean | number;
}

/**
 * What we use of tfjs-node's NodeJSKernelBackend (typed here: the native package is optional, so we never import it).
 * Each executeSingleOutput call is one TFE_Execute; its output is a new engine tensor (tfjs-node registers it with the
 * engine, so intermediates are freed with dispose, not the backend's disposeData), owned by the caller.
 */
export interface NativeBackend {
  binding: { TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_ATTR_TYPE: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, opAttrs: OpAttr[], inputs: TensorInfo[]): Tensor;
  write(values: Float32Array | Int32Array, shape: number[], dtype: string): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A type attribute (default T = float32), as tfjs-node's createTensorsTypeOpAttr builds it. */
export function typeAttr(backend: NativeBackend, name = 'T', type = backend.binding.TF_FLOAT): OpAttr {
  return { name, type: backend.binding.TF_ATTR_TYPE, value: type };
}
