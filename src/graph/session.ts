// A TensorFlow session over one graph, through tfjs-node's SavedModel support: load once, run many times, delete.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND } from '../backend/native_ops.js';
import { encodeSavedModel, SAVED_MODEL_TAG, type NodeDef } from './proto.js';

/** What we use of tfjs-node's NodeJSKernelBackend for SavedModels (the native package is optional: typed here). */
interface SavedModelBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], inputInfos: { name: string }[], outputNames: string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
}

/** The active backend, when it is native TensorFlow with SavedModel sessions (tfjs-node 3 and 4 have them). */
export function savedModelBackend(): SavedModelBackend | undefined {
  if (tf.getBackend() !== NATIVE_BACKEND) return undefined;
  const backend = tf.backend() as Partial<SavedModelBackend>;
  const ok = typeof backend.loadSavedModelMetaGraph === 'function' && typeof backend.runSavedModel === 'function' && typeof backend.deleteSavedModel === 'function';
  return ok ? (backend as SavedModelBackend) : undefined;
}

/** TensorFlow's inter-op thread count variable; negative runs a session's ops in the calling thread. */
export const INTEROP_THREADS_ENV = 'TF_NUM_INTEROP_THREADS';

/**
 * Makes the sessions we create run in the calling thread, unless the user set TF_NUM_INTEROP_THREADS. By default a
 * TensorFlow session hands each run to its inter-op thread pool and waits for it: two thread wake-ups per step,
 * measured at 150-230 us a run on our 2-core test machine, where the run itself takes 20-40 us. TensorFlow reads the
 * variable when it makes its first session (DirectSession), so this must come before that; eager ops ignore it, and
 * large ops still use the intra-op threads.
 */
function runSessionsInCallingThread(): void {
  if (process.env[INTEROP_THREADS_ENV] === undefined) process.env[INTEROP_THREADS_ENV] = '-1';
}

/** Thrown when a graph session is used after dispose or outside native TensorFlow. */
export class GraphSessionError extends Error {
  override name = 'GraphSessionError';
}

/**
 * A graph loaded into its own TensorFlow session. Resource variables created by the graph live in the session
 * between runs (that is where a compiled training step keeps the weights) until `dispose` deletes it.
 */
export class GraphSession {
  private id: number | undefined;

  private constructor(
    private readonly backend: SavedModelBackend,
    id: number,
  ) {
    this.id = id;
  }

  /**
   * Writes `nodes` as a SavedModel to a temporary folder, loads it (TF_LoadSessionFromSavedModel; there are no
   * variables to restore) and removes the folder: the session keeps the graph in memory.
   */
  static load(nodes: readonly NodeDef[]): GraphSession {
    const backend = savedModelBackend();
    if (backend === undefined) throw new GraphSessionError(`Graph sessions need native TensorFlow (tfjs-node) as the active backend, not '${tf.getBackend()}'.`);
    runSessionsInCallingThread();
    const folder = mkdtempSync(join(tmpdir(), 'mnist-course-graph-'));
    try {
      writeFileSync(join(folder, 'saved_model.pb'), encodeSavedModel(nodes));
      return new GraphSession(backend, backend.loadSavedModelMetaGraph(folder, SAVED_MODEL_TAG));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /**
   * Runs the graph once: feeds each placeholder its tensor, returns the `fetches` (node outputs as "name" or
   * "name:k") as new tensors the caller owns. Nodes the fetches depend on run, control dependencies included.
   */
  run(feeds: readonly (readonly [string, tf.Tensor])[], fetches: readonly string[]): tf.Tensor[] {
    if (this.id === undefined) throw new GraphSessionError('This graph session was disposed.');
    const inputs = feeds.map(([, tensor]) => tensor);
    const infos = feeds.map(([name]) => ({ name: `${name}:0` }));
    return this.backend.runSavedModel(this.id, inputs, infos, fetches.map((ref) => (ref.includes(':') ? ref : `${ref}:0`)));
  }

  get disposed(): boolean {
    return this.id === undefined;
  }

  /** Deletes the session and the variables in it. */
  dispose(): void {
    if (this.id === undefined) return;
    const id = this.id;
    this.id = undefined;
    this.backend.deleteSavedModel(id);
  }
}
