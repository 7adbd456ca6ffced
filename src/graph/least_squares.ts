// Seed 004's from-scratch least-squares SGD iteration as one TensorFlow graph on native TensorFlow (sgdTrain uses it there).
import * as tf from '@tensorflow/tfjs';
import { GraphBuilder, type Ref } from './builder.js';
import * as op from './ops.js';
import { compileWasmLeastSquaresStep } from './least_squares_wasm.js';
import { GraphSession, savedModelBackend } from './session.js';

/** One compiled iteration: its minibatch loss (and test accuracy when asked) before the update of W. */
export interface LeastSquaresStep {
  /**
   * Gathers rows `indices` [batch] of xTrain and yTrain, computes the loss 0.5·||Y - XW||² / batch (and the test
   * accuracy when `withAccuracy`), then W -= learningRate · Xᵀ(XW - Y) / batch. Returned scalars are the caller's.
   */
  step(indices: tf.Tensor1D, withAccuracy: boolean): { loss: tf.Scalar; accuracy?: tf.Scalar };
  /** W [features, classes] now, a new tensor the caller owns. */
  weight(): tf.Tensor2D;
  /** Deletes the session (W goes with it). */
  dispose(): void;
}

const FEED = { indices: 'indices', xTrain: 'x_train', yTrain: 'y_train', xTest: 'x_test', yTest: 'y_test', lr: 'lr' } as const;

function gatherRows(g: GraphBuilder, table: Ref, indices: Ref): Ref {
  return g.add('GatherV2', [table, indices, g.constant({ dtype: 'int32', shape: [], values: [0] })], {
    Tparams: { type: 'float32' }, Tindices: { type: 'int32' }, Taxis: { type: 'int32' }, batch_dims: { i: 0 },
  });
}

/** The graph: the same ops in the same order as leastSquaresLoss, leastSquaresGradient and accuracy in src/sgd. */
function build(features: number, classes: number) {
  const g = new GraphBuilder();
  const indices = g.placeholder(FEED.indices, 'int32', [-1]);
  const xTrain = g.placeholder(FEED.xTrain, 'float32', [-1, features]);
  const yTrain = g.placeholder(FEED.yTrain, 'float32', [-1, classes]);
  const xTest = g.placeholder(FEED.xTest, 'float32', [-1, features]);
  const yTest = g.placeholder(FEED.yTest, 'int32', [-1]);
  const lr = g.placeholder(FEED.lr, 'float32', []);
  const handle = op.variableHandle(g, 'weight', [features, classes]);
  const zeros = g.add('Fill', [g.ints([features, classes]), g.scalar(0)], { T: { type: 'float32' }, index_type: { type: 'int32' } });
  const initialized = op.identity(g, g.scalar(0), [op.assignVariable(g, handle, zeros)], 'float32', 'initialized');
  const w = op.readVariable(g, handle);
  const x = gatherRows(g, xTrain, indices);
  const y = gatherRows(g, yTrain, indices);
  const n = op.dimension(g, op.shape(g, x), 0);
  const divide = (a: Ref): Ref => g.add('RealDiv', [a, n], { T: { type: 'float32' } });
  const predictions = op.matMul(g, x, w);
  const squares = g.add('Square', [op.sub(g, y, predictions)], { T: { type: 'float32' } });
  const loss = divide(op.mul(g, g.scalar(0.5), op.reduce(g, 'Sum', squares, [0, 1])));
  // Xᵀ(XW - Y) as ((XW - Y)ᵀ X)ᵀ: TF's MatMul packs the wide transposed X slowly (see FEW_UNITS in layers.ts).
  const gradient = divide(op.transpose(g, op.matMul(g, op.sub(g, predictions, y), x, true, false)));
  const update = op.applyGradientDescent(g, handle, lr, gradient);
  const hits = op.countEqual(g, op.argMax(g, op.matMul(g, xTest, w), 1), yTest);
  const testRows = g.add('Cast', [g.add('Size', [yTest], { T: { type: 'int32' }, out_type: { type: 'int32' } })], { SrcT: { type: 'int32' }, DstT: { type: 'float32' }, Truncate: { b: false } });
  const hitsAsFloat = g.add('Cast', [hits], { SrcT: { type: 'int32' }, DstT: { type: 'float32' }, Truncate: { b: false } });
  return {
    g,
    initialized,
    loss: op.identity(g, loss, [update], 'float32', 'loss_after_step'),
    // Read before the update, as the tutorial measures it; fetched with the loss only on evaluated iterations.
    accuracy: op.identity(g, g.add('RealDiv', [hitsAsFloat, testRows], { T: { type: 'float32' } }), [update], 'float32', 'accuracy_after_step'),
    readWeight: g.within('save', () => op.readVariable(g, handle)),
  };
}

/**
 * sgdTrain's iteration compiled: one TensorFlow graph on native TensorFlow (the data tensors are fed by handle at
 * every run: on the CPU that costs no copy), one pass of our kernels on wasm (least_squares_wasm.ts); undefined on
 * other backends. W starts at zero, as there.
 */
export function compileLeastSquaresStep(
  data: { xTrain: tf.Tensor2D; yTrain: tf.Tensor2D; xTest: tf.Tensor2D; yTest: tf.Tensor1D },
  learningRate: number,
): LeastSquaresStep | undefined {
  if (savedModelBackend() === undefined) return compileWasmLeastSquaresStep(data, learningRate);
  if (data.xTrain.dtype !== 'float32' || data.yTrain.dtype !== 'float32') return undefined;
  const graph = build(data.xTrain.shape[1], data.yTrain.shape[1]);
  const session = GraphSession.load(graph.g.nodes);
  const lr = tf.scalar(learningRate);
  const yTest = data.yTest.dtype === 'int32' ? data.yTest : tf.cast(data.yTest, 'int32');
  tf.dispose(session.run([], [graph.initialized]));
  const common: [string, tf.Tensor][] = [[FEED.xTrain, data.xTrain], [FEED.yTrain, data.yTrain], [FEED.lr, lr]];
  return {
    step(indices, withAccuracy) {
      const feeds: [string, tf.Tensor][] = [[FEED.indices, indices], ...common];
      if (!withAccuracy) return { loss: session.run(feeds, [graph.loss])[0] as tf.Scalar };
      feeds.push([FEED.xTest, data.xTest], [FEED.yTest, yTest]);
      const [loss, accuracy] = session.run(feeds, [graph.loss, graph.accuracy]) as [tf.Scalar, tf.Scalar];
      return { loss, accuracy };
    },
    weight: () => session.run([], [graph.readWeight])[0] as tf.Tensor2D,
    dispose() {
      session.dispose();
      lr.dispose();
      if (yTest !== data.yTest) yTest.dispose();
    },
  };
}
