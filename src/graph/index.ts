// Public API of the graph module: fit's compiled training steps (native TensorFlow, wasm), kept per model.
import * as tf from '@tensorflow/tfjs';
import { compileTrainStep, isUnsupported, type CompiledTrainStep, type TrainSetup } from './train_step.js';
import { compileWasmDenseStep, WASM_STEP } from './wasm_step.js';

export { compileTrainStep, UnsupportedStepError, type CompiledTrainStep, type EpochSums, type TrainSetup } from './train_step.js';
export { UnsupportedLayerError } from './layers.js';
export { GraphSession, GraphSessionError } from './session.js';
export { WASM_STEP } from './wasm_step.js';

/** A model's compiled step, or why it has none, for the setup it was made for. */
interface Entry {
  key: string;
  optimizer: tf.Optimizer;
  loss: TrainSetup['loss'];
  backend: string;
  step: CompiledTrainStep | undefined;
  reason: string;
}

/** graphStepStatus of a model fit trains with graph steps. */
export const GRAPH_STEP = 'one TensorFlow graph per step';

const entries = new WeakMap<tf.LayersModel, Entry>();
// A model dropped without ever being trained again still holds a session: delete it when the model is collected.
const sessions = new FinalizationRegistry<CompiledTrainStep>((step) => step.dispose());

function keyOf(setup: TrainSetup, labels: tf.Tensor): string {
  const optimizer = setup.optimizer as tf.Optimizer & { momentum?: number; weightDecay?: number };
  return JSON.stringify([labels.dtype, labels.rank, optimizer.momentum !== 0, optimizer.weightDecay ?? 0]);
}

/** The active backend's compiled step: a graph on native TensorFlow, our wasm kernels in one pass on wasm. */
function compile(model: tf.LayersModel, setup: TrainSetup, labels: tf.Tensor): { step: CompiledTrainStep; reason: string } {
  if (tf.getBackend() === 'wasm') return { step: compileWasmDenseStep(model, setup, labels), reason: WASM_STEP };
  return { step: compileTrainStep(model, setup, labels), reason: GRAPH_STEP };
}

/**
 * The compiled training step of `model` for `setup` and batches labelled like `labels`, compiled on first use and
 * reused while the setup stays the same (the same loss and optimizer, label kind, momentum on or off, weight decay,
 * backend); undefined where no compiled step covers the setup (then `graphStepStatus` says why).
 */
export function graphTrainStep(model: tf.LayersModel, setup: TrainSetup, labels: tf.Tensor): CompiledTrainStep | undefined {
  const key = keyOf(setup, labels);
  const backend = tf.getBackend();
  const known = entries.get(model);
  if (known !== undefined && known.key === key && known.optimizer === setup.optimizer && known.loss === setup.loss && known.backend === backend) return known.step;
  if (known?.step !== undefined) {
    sessions.unregister(known);
    known.step.dispose();
  }
  let entry: Entry;
  try {
    const { step, reason } = compile(model, setup, labels);
    entry = { key, optimizer: setup.optimizer, loss: setup.loss, backend, step, reason };
    sessions.register(model, step, entry);
  } catch (error) {
    if (!isUnsupported(error)) throw error;
    entry = { key, optimizer: setup.optimizer, loss: setup.loss, backend, step: undefined, reason: error.message };
  }
  entries.set(model, entry);
  return entry.step;
}

/** How fit last trained `model`: GRAPH_STEP, WASM_STEP, or why not; undefined before any attempt (or with graph: false). */
export function graphStepStatus(model: tf.LayersModel): string | undefined {
  return entries.get(model)?.reason;
}
