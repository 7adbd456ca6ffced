// The TensorFlow ops our training graphs use, as typed functions over a GraphBuilder (names and attrs as in TF's op registry).
import type { GraphBuilder, Ref } from './builder.js';
import type { AttrValue } from './proto.js';

const FLOAT: AttrValue = { type: 'float32' };
const INT: AttrValue = { type: 'int32' };
const NHWC: AttrValue = { s: 'NHWC' };

/** A float32 op of one output: T = float32 plus `attrs`. */
function float(g: GraphBuilder, op: string, inputs: readonly Ref[], attrs: Record<string, AttrValue> = {}): Ref {
  return g.add(op, inputs, { T: FLOAT, ...attrs });
}

export const add = (g: GraphBuilder, a: Ref, b: Ref): Ref => float(g, 'AddV2', [a, b]);
export const sub = (g: GraphBuilder, a: Ref, b: Ref): Ref => float(g, 'Sub', [a, b]);
export const mul = (g: GraphBuilder, a: Ref, b: Ref): Ref => float(g, 'Mul', [a, b]);
export const neg = (g: GraphBuilder, x: Ref): Ref => float(g, 'Neg', [x]);
export const exp = (g: GraphBuilder, x: Ref): Ref => float(g, 'Exp', [x]);
export const relu = (g: GraphBuilder, x: Ref): Ref => float(g, 'Relu', [x]);
/** dy where the relu output y is positive, else 0. */
export function reluGrad(g: GraphBuilder, dy: Ref, y: Ref): Ref {
  // dy·(y / y, 0 where y = 0): the same values as TF's ReluGrad op for finite y ≥ 0, but its CPU kernel compares and
  // converts one element at a time (264 us for 64 x 14 x 14 x 16 values on our 2-core test machine; these two: 46 us).
  return mul(g, dy, float(g, 'DivNoNan', [y, y]));
}
export const logSoftmax = (g: GraphBuilder, logits: Ref): Ref => float(g, 'LogSoftmax', [logits]);
export const squaredDifference = (g: GraphBuilder, a: Ref, b: Ref): Ref => float(g, 'SquaredDifference', [a, b]);

/** Σ of the refs (one AddN; a lone ref is returned as is). */
export function addN(g: GraphBuilder, refs: readonly Ref[]): Ref {
  if (refs.length === 1) return refs[0] as Ref;
  return g.add('AddN', refs, { T: FLOAT, N: { i: refs.length } });
}

/** Σ (or mean) of a float tensor over `axes`. */
export function reduce(g: GraphBuilder, kind: 'Sum' | 'Mean', x: Ref, axes: readonly number[], keepDims = false): Ref {
  return g.add(kind, [x, g.ints(axes)], { T: FLOAT, Tidx: INT, keep_dims: { b: keepDims } });
}

/** a [m, k]·b [k, n], either transposed first. */
export function matMul(g: GraphBuilder, a: Ref, b: Ref, transposeA = false, transposeB = false): Ref {
  return float(g, 'MatMul', [a, b], { transpose_a: { b: transposeA }, transpose_b: { b: transposeB } });
}

/** The transpose of a matrix. */
export const transpose = (g: GraphBuilder, x: Ref): Ref => float(g, 'Transpose', [x, g.ints([1, 0])], { Tperm: INT });

export const biasAdd = (g: GraphBuilder, x: Ref, bias: Ref): Ref => float(g, 'BiasAdd', [x, bias], { data_format: NHWC });
/** Σ of dy over every axis but the last (the bias gradient). */
export const biasAddGrad = (g: GraphBuilder, dy: Ref): Ref => float(g, 'BiasAddGrad', [dy], { data_format: NHWC });

/** The int32 shape of a tensor, as a vector. */
export const shape = (g: GraphBuilder, x: Ref): Ref => g.add('Shape', [x], { T: FLOAT, out_type: INT });

/** `x` reshaped to `to`: a Ref to an int32 shape vector, or numbers (-1 for the batch). */
export function reshape(g: GraphBuilder, x: Ref, to: Ref | readonly number[]): Ref {
  return float(g, 'Reshape', [x, typeof to === 'string' ? to : g.ints(to)], { Tshape: INT });
}

/** Zeros around `x`; `paddings` is [before, after] for each axis. */
export function pad(g: GraphBuilder, x: Ref, paddings: readonly (readonly [number, number])[]): Ref {
  return float(g, 'Pad', [x, g.ints(paddings.flat(), [paddings.length, 2])], { Tpaddings: INT });
}

/** x[begin[i] : begin[i] + size[i]] along every axis; `size` as numbers (-1: the rest of that axis) or an int32 vector. */
export function slice(g: GraphBuilder, x: Ref, begin: readonly number[], size: Ref | readonly number[]): Ref {
  return float(g, 'Slice', [x, g.ints(begin), typeof size === 'string' ? size : g.ints(size)], { Index: INT });
}

/** A 2D convolution's settings: NHWC, square kernel, same stride both ways, TF's explicit padding [top, bottom, left, right]. */
export interface ConvSpec {
  stride: number;
  /** Zeros before and after along height, then along width. */
  padding: readonly [number, number, number, number];
  /** Run oneDNN's kernel (src/graph/onednn.ts) instead of TensorFlow's own; its gradients only without padding (pad first). */
  oneDnn?: boolean;
}

/**
 * The kernel label that selects oneDNN's native-format kernel of a `_MklNative...` op in TensorFlow's CPU builds
 * (they are registered under it, next to the layout-converting ones TensorFlow's own graph rewrite would pick).
 */
export const ONEDNN_KERNEL_LABEL = 'MklNameChangeOp';

/** The op name and attrs of a convolution op (Conv2D, _FusedConv2D, Conv2DBackpropFilter, Conv2DBackpropInput) for `spec`. */
function convOp(name: string, spec: ConvSpec): [string, Record<string, AttrValue>] {
  const [top, bottom, left, right] = spec.padding;
  const explicit = spec.padding.some((p) => p !== 0);
  if (explicit && spec.oneDnn === true && name.includes('Backprop')) throw new Error('oneDNN convolution gradients take padded inputs (they fail with explicit padding).');
  const attrs: Record<string, AttrValue> = {
    T: FLOAT,
    strides: { ints: [1, spec.stride, spec.stride, 1] },
    padding: { s: explicit ? 'EXPLICIT' : 'VALID' },
    ...(explicit ? { explicit_paddings: { ints: [0, 0, top, bottom, left, right, 0, 0] } } : {}),
    data_format: NHWC,
    dilations: { ints: [1, 1, 1, 1] },
    use_cudnn_on_gpu: { b: true },
  };
  if (spec.oneDnn !== true) return [name, attrs];
  const forward = name === 'Conv2D' || name === '_FusedConv2D';
  return [`_MklNative${name.replace(/^_/, '')}`, { ...attrs, ...(forward ? { is_filter_const: { b: false } } : {}), _kernel: { s: ONEDNN_KERNEL_LABEL } }];
}

/** x [batch, h, w, in]·filter [k, k, in, out] -> [batch, h', w', out]. */
export function conv2d(g: GraphBuilder, x: Ref, filter: Ref, spec: ConvSpec): Ref {
  const [name, attrs] = convOp('Conv2D', spec);
  return g.add(name, [x, filter], attrs);
}

/**
 * conv2d(x, filter) + bias, then relu where asked, as one kernel (TensorFlow's _FusedConv2D or oneDNN's): one pass
 * over the output instead of three.
 */
export function fusedConv2d(g: GraphBuilder, x: Ref, filter: Ref, bias: Ref, spec: ConvSpec, relu: boolean): Ref {
  const [name, attrs] = convOp('_FusedConv2D', spec);
  return g.add(name, [x, filter, bias], { ...attrs, num_args: { i: 1 }, fused_ops: { strings: relu ? ['BiasAdd', 'Relu'] : ['BiasAdd'] } });
}

/** The filter gradient of conv2d(x, filter) given dy. */
export function conv2dBackpropFilter(g: GraphBuilder, x: Ref, filterShape: readonly number[], dy: Ref, spec: ConvSpec): Ref {
  const [name, attrs] = convOp('Conv2DBackpropFilter', spec);
  return g.add(name, [x, g.ints(filterShape), dy], attrs);
}

/** The input gradient of conv2d(x, filter) given dy; `inputShape` is x's shape as an int32 vector. */
export function conv2dBackpropInput(g: GraphBuilder, inputShape: Ref, filter: Ref, dy: Ref, spec: ConvSpec): Ref {
  const [name, attrs] = convOp('Conv2DBackpropInput', spec);
  return g.add(name, [inputShape, filter, dy], attrs);
}

function poolAttrs(size: number, stride: number): Record<string, AttrValue> {
  return { T: FLOAT, ksize: { ints: [1, size, size, 1] }, strides: { ints: [1, stride, stride, 1] }, padding: { s: 'VALID' }, data_format: NHWC };
}

/** Average pooling over size x size windows (no padding). */
export const avgPool = (g: GraphBuilder, x: Ref, size: number, stride: number): Ref => g.add('AvgPool', [x], poolAttrs(size, stride));

/** The input gradient of avgPool; `inputShape` is the pooled input's shape as an int32 vector. */
export function avgPoolGrad(g: GraphBuilder, inputShape: Ref, dy: Ref, size: number, stride: number): Ref {
  return g.add('AvgPoolGrad', [inputShape, dy], poolAttrs(size, stride));
}

/** Batch normalization over every axis but the last, with the batch's own statistics (training mode). */
export interface BatchNormOutputs {
  y: Ref;
  /** The batch mean and its Bessel-corrected variance ([channels] each). */
  mean: Ref;
  variance: Ref;
  /** What FusedBatchNormGradV3 needs back (TF's reserve spaces 1 to 3). */
  reserve: [Ref, Ref, Ref];
}

/** The op name and attrs of FusedBatchNormV3 or its gradient, oneDNN's kernel or TensorFlow's own. */
function batchNormOp(name: string, epsilon: number, oneDnn: boolean): [string, Record<string, AttrValue>] {
  const attrs: Record<string, AttrValue> = { T: FLOAT, U: FLOAT, epsilon: { f: epsilon }, data_format: NHWC, is_training: { b: true } };
  return oneDnn ? [`_MklNative${name}`, { ...attrs, _kernel: { s: ONEDNN_KERNEL_LABEL } }] : [name, attrs];
}

export function fusedBatchNorm(g: GraphBuilder, x: Ref, scale: Ref, offset: Ref, epsilon: number, oneDnn = false): BatchNormOutputs {
  const empty = g.constant({ dtype: 'float32', shape: [0], values: [] });
  const [name, attrs] = batchNormOp('FusedBatchNormV3', epsilon, oneDnn);
  const node = g.add(name, [x, scale, offset, empty, empty], { ...attrs, exponential_avg_factor: { f: 1 } });
  return { y: node, mean: g.output(node, 1), variance: g.output(node, 2), reserve: [g.output(node, 3), g.output(node, 4), g.output(node, 5)] };
}

/** [dx, dscale, doffset] of fusedBatchNorm given dy. */
export function fusedBatchNormGrad(g: GraphBuilder, dy: Ref, x: Ref, scale: Ref, reserve: readonly [Ref, Ref, Ref], epsilon: number, oneDnn = false): [Ref, Ref, Ref] {
  const [name, attrs] = batchNormOp('FusedBatchNormGradV3', epsilon, oneDnn);
  const node = g.add(name, [dy, x, scale, ...reserve], attrs);
  return [node, g.output(node, 1), g.output(node, 2)];
}

/** Per-example cross-entropy of logits [batch, classes] and int32 labels [batch]: [loss [batch], d loss / d logits]. */
export function sparseSoftmaxCrossEntropy(g: GraphBuilder, logits: Ref, labels: Ref): [Ref, Ref] {
  const node = g.add('SparseSoftmaxCrossEntropyWithLogits', [logits, labels], { T: FLOAT, Tlabels: INT });
  return [node, g.output(node, 1)];
}

/** The same with class probabilities [batch, classes] as labels. */
export function softmaxCrossEntropy(g: GraphBuilder, logits: Ref, labels: Ref): [Ref, Ref] {
  const node = float(g, 'SoftmaxCrossEntropyWithLogits', [logits, labels]);
  return [node, g.output(node, 1)];
}

/** Rows [batch, depth] of float `on` at each int32 index, 0 elsewhere (and for indices outside [0, depth)). */
export function oneHot(g: GraphBuilder, indices: Ref, depth: number, on = 1): Ref {
  return g.add('OneHot', [indices, g.constant({ dtype: 'int32', shape: [], values: [depth] }), g.scalar(on), g.scalar(0)], { T: FLOAT, TI: INT, axis: { i: -1 } });
}

/** int32 index of the largest value along `axis` of a float tensor. */
export function argMax(g: GraphBuilder, x: Ref, axis: number): Ref {
  return g.add('ArgMax', [x, g.constant({ dtype: 'int32', shape: [], values: [axis] })], { T: FLOAT, Tidx: INT, output_type: INT });
}

/** Σ over all of `(a == b)` for int32 tensors, as an int32 scalar. */
export function countEqual(g: GraphBuilder, a: Ref, b: Ref): Ref {
  const equal = g.add('Equal', [a, b], { T: INT, incompatible_shape_error: { b: true } });
  const asInt = g.add('Cast', [equal], { SrcT: { type: 'bool' }, DstT: INT, Truncate: { b: false } });
  return g.add('Sum', [asInt, g.ints([0])], { T: INT, Tidx: INT, keep_dims: { b: false } });
}

/** Element `index` of an int32 vector as a float32 scalar (a dimension of a shape, say). */
export function dimension(g: GraphBuilder, shapeVector: Ref, index: number): Ref {
  const element = g.add('StridedSlice', [shapeVector, g.ints([index]), g.ints([index + 1]), g.ints([1])], {
    T: INT, Index: INT, begin_mask: { i: 0 }, end_mask: { i: 0 }, ellipsis_mask: { i: 0 }, new_axis_mask: { i: 0 }, shrink_axis_mask: { i: 1 },
  });
  return g.add('Cast', [element], { SrcT: INT, DstT: FLOAT, Truncate: { b: false } });
}

/** x, once the nodes in `after` have run. */
export const identity = (g: GraphBuilder, x: Ref, after: readonly string[], dtype: 'float32' | 'int32' = 'float32', name?: string): Ref =>
  g.add('Identity', [x], { T: { type: dtype } }, { after, ...(name === undefined ? {} : { name }) });

// Resource variables: they live in the session, across runs, until it is deleted.

type VariableType = 'float32' | 'int32';

/** A variable's handle, named `sharedName` in the session. */
export function variableHandle(g: GraphBuilder, sharedName: string, variableShape: readonly number[], dtype: VariableType = 'float32'): Ref {
  return g.add('VarHandleOp', [], { dtype: { type: dtype }, shape: { shape: variableShape }, shared_name: { s: sharedName }, container: { s: '' } }, { name: sharedName });
}

export const readVariable = (g: GraphBuilder, handle: Ref, dtype: VariableType = 'float32'): Ref => g.add('ReadVariableOp', [handle], { dtype: { type: dtype } });
export const assignVariable = (g: GraphBuilder, handle: Ref, value: Ref, dtype: VariableType = 'float32'): string =>
  g.add('AssignVariableOp', [handle, value], { dtype: { type: dtype } });
/** variable += value. */
export const assignAddVariable = (g: GraphBuilder, handle: Ref, value: Ref, dtype: VariableType = 'float32'): string =>
  g.add('AssignAddVariableOp', [handle, value], { dtype: { type: dtype } });

/** accum = momentum·accum + grad; var -= lr·accum (torch.optim.SGD's momentum, dampening 0, from accum = 0). */
export function applyMomentum(g: GraphBuilder, variable: Ref, accum: Ref, lr: Ref, grad: Ref, momentum: Ref): string {
  return g.add('ResourceApplyMomentum', [variable, accum, lr, grad, momentum], { T: FLOAT, use_locking: { b: false }, use_nesterov: { b: false } });
}

/** var -= lr·grad. */
export const applyGradientDescent = (g: GraphBuilder, variable: Ref, lr: Ref, grad: Ref): string =>
  g.add('ResourceApplyGradientDescent', [variable, lr, grad], { T: FLOAT, use_locking: { b: false } });
