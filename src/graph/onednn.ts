// Whether this TensorFlow has oneDNN's native-format convolution and batch-norm kernels, checked once against its own ops.
import * as tf from '@tensorflow/tfjs';
import { GraphBuilder, type Ref } from './builder.js';
import * as op from './ops.js';
import { GraphSession } from './session.js';

/**
 * Set to 0 to keep TensorFlow's own convolution and batch-norm kernels in graph steps (they are what eager ops run).
 * Measured on a 2-core AMD EPYC, batch 512, [14, 14, 8] activations: oneDNN's filter gradient 2.4 ms against 24,
 * input gradient 3.8 against 10.5, forward 4.4 against 7.9, batch norm forward and backward 2.8 against 6.1.
 */
export const ONEDNN_ENV = 'MNIST_COURSE_ONEDNN';

/** Relative agreement the probe asks of oneDNN's results with TensorFlow's own (float32 sums in another order). */
const PROBE_TOLERANCE = 1e-4;

let available: boolean | undefined;

/** Whether tfjs-node-gpu computes on a CUDA GPU: then convolutions belong there, not in oneDNN's CPU kernels. */
function usesGpu(): boolean {
  // tfjs-node's backend sets this flag from the binding when it starts.
  return (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
}

/** A fixed tensor of values in [-1, 1] (a sine: no generator needed). */
function fixed(shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7 + 0.3)), shape);
}

/** One graph computing a padded stride-2 convolution's forward (plain and fused) and gradients and a batch norm, both ways. */
function probeGraph(): { nodes: GraphBuilder['nodes']; pairs: [Ref, Ref][] } {
  const g = new GraphBuilder();
  const x = g.placeholder('x', 'float32', [2, 6, 6, 3]);
  const w = g.placeholder('w', 'float32', [3, 3, 3, 4]);
  const dy = g.placeholder('dy', 'float32', [2, 3, 3, 4]);
  const scale = g.placeholder('scale', 'float32', [3]);
  const bias = g.placeholder('bias', 'float32', [4]);
  const padded = op.pad(g, x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const pairs: [Ref, Ref][] = [];
  const both = (build: (oneDnn: boolean) => Ref): void => void pairs.push([build(false), build(true)]);
  const spec = (oneDnn: boolean): op.ConvSpec => ({ stride: 2, padding: [0, 0, 0, 0], oneDnn });
  // Forward passes take the padding as explicit padding, the gradients a padded input.
  const explicit = (oneDnn: boolean): op.ConvSpec => ({ stride: 2, padding: [1, 1, 1, 1], oneDnn });
  both((oneDnn) => op.conv2d(g, x, w, explicit(oneDnn)));
  both((oneDnn) => op.fusedConv2d(g, x, w, bias, explicit(oneDnn), true));
  both((oneDnn) => op.conv2dBackpropFilter(g, padded, [3, 3, 3, 4], dy, spec(oneDnn)));
  both((oneDnn) => op.conv2dBackpropInput(g, op.shape(g, padded), w, dy, spec(oneDnn)));
  const normed = [false, true].map((oneDnn) => op.fusedBatchNorm(g, x, scale, op.neg(g, scale), 1e-5, oneDnn));
  const [tfNorm, dnnNorm] = normed as [op.BatchNormOutputs, op.BatchNormOutputs];
  pairs.push([tfNorm.y, dnnNorm.y], [tfNorm.mean, dnnNorm.mean], [tfNorm.variance, dnnNorm.variance]);
  // An upstream gradient unlike x: for dy = x the input gradient cancels to rounding noise.
  const dNormed = op.mul(g, x, x);
  const grads = normed.map((n, i) => op.fusedBatchNormGrad(g, dNormed, x, scale, n.reserve, 1e-5, i === 1));
  for (let k = 0; k < 3; k++) pairs.push([grads[0]?.[k] as Ref, grads[1]?.[k] as Ref]);
  return { nodes: g.nodes, pairs };
}

function agree(a: tf.Tensor, b: tf.Tensor): boolean {
  if (!tf.util.arraysEqual(a.shape, b.shape)) return false;
  const [u, v] = [a.dataSync(), b.dataSync()];
  let scale = 0;
  let difference = 0;
  u.forEach((value, i) => {
    scale = Math.max(scale, Math.abs(value));
    difference = Math.max(difference, Math.abs(value - (v[i] as number)));
  });
  return difference <= PROBE_TOLERANCE * Math.max(scale, 1e-30);
}

/**
 * Whether graph steps use oneDNN's `_MklNative` kernels for convolutions and batch norm: TensorFlow's Linux x86
 * builds carry them (selected by a kernel label, whatever TF_ENABLE_ONEDNN_OPTS says). Checked once per process by
 * running them next to TensorFlow's own ops on small inputs; any failure or disagreement means no. Never on a GPU;
 * MNIST_COURSE_ONEDNN=0 turns them off. Native TensorFlow must be the active backend.
 */
export function oneDnnKernels(): boolean {
  if (process.env[ONEDNN_ENV] === '0' || usesGpu()) return false;
  if (available !== undefined) return available;
  const inputs = { x: fixed([2, 6, 6, 3]), w: fixed([3, 3, 3, 4]), dy: fixed([2, 3, 3, 4]), scale: tf.tensor1d([1, 0.5, 2]), bias: tf.tensor1d([0.5, -0.25, 0, -2]) };
  let session: GraphSession | undefined;
  try {
    const { nodes, pairs } = probeGraph();
    session = GraphSession.load(nodes);
    const outputs = session.run(Object.entries(inputs), pairs.flat());
    available = pairs.every((_, i) => agree(outputs[2 * i] as tf.Tensor, outputs[2 * i + 1] as tf.Tensor));
    tf.dispose(outputs);
  } catch {
    available = false; // no such ops or kernels in this build (macOS, a GPU-only kernel set, another TF version)
  } finally {
    session?.dispose();
    tf.dispose(Object.values(inputs));
  }
  return available;
}
