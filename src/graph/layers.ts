// Each supported tf.layers layer as graph ops: its training-mode forward and its backward, written out.
import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder, Ref } from './builder.js';
import * as op from './ops.js';

/** A layer (or a setting of one) the graph compiler does not handle; training falls back to TF.js's eager steps. */
export class UnsupportedLayerError extends Error {
  override name = 'UnsupportedLayerError';
}

/** What a layer's lowering may use of the graph being built. */
export interface LayerContext {
  g: GraphBuilder;
  /** The value of a layer weight during this step (read from its session variable once per step). */
  read(weight: tf.LayerVariable): Ref;
  /** Makes `value` the weight's value after this step (BatchNorm's moving statistics). */
  assign(weight: tf.LayerVariable, value: Ref): void;
  /** Use oneDNN's kernels for convolutions and batch norm (src/graph/onednn.ts). */
  oneDnn: boolean;
}

/** One call of a layer in the model, with its inputs already in the graph. */
export interface LayerCall {
  layer: tf.layers.Layer;
  inputs: Ref[];
  /** Which inputs need a gradient (those that depend on a trained weight). */
  inputGradients: boolean[];
  /** Static shapes of the inputs and the output (null: unknown, the batch). */
  inputShapes: (number | null)[][];
  outputShape: (number | null)[];
  /** Zeros a ZeroPadding2D put around a Conv2D's input, folded into the convolution: [top, bottom, left, right]. */
  padding?: readonly [number, number, number, number];
}

/** The gradients a layer's backward gives: per input (undefined where not needed) and per weight. */
export interface LayerGradients {
  inputs: (Ref | undefined)[];
  weights: [tf.LayerVariable, Ref][];
}

export interface LoweredLayer {
  output: Ref;
  backward(dy: Ref): LayerGradients;
}

type Config = Record<string, unknown>;

function unsupported(layer: tf.layers.Layer, what: string): never {
  throw new UnsupportedLayerError(`${layer.getClassName()} layer '${layer.name}': ${what}`);
}

function only(call: LayerCall): Ref {
  if (call.inputs.length !== 1) unsupported(call.layer, `expected one input, got ${call.inputs.length}`);
  return call.inputs[0] as Ref;
}

/** The layer's weight whose name ends in `/suffix` (kernel, bias, gamma, ...). */
function weight(layer: tf.layers.Layer, suffix: string): tf.LayerVariable {
  const found = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (found === undefined) unsupported(layer, `no ${suffix} weight`);
  return found;
}

/** The activation a Dense or Conv2D applies: linear or relu (others are not lowered). */
function activationOf(layer: tf.layers.Layer, config: Config): 'linear' | 'relu' {
  const activation = config.activation;
  if (activation === 'linear' || activation === 'relu') return activation;
  return unsupported(layer, `activation '${String(activation)}'`);
}

function checkChannelsLast(layer: tf.layers.Layer, config: Config): void {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') unsupported(layer, `dataFormat '${String(config.dataFormat)}'`);
}

function checkNoRegularizers(layer: tf.layers.Layer, config: Config): void {
  for (const key of ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']) {
    if (config[key] != null) unsupported(layer, `${key} is set`);
  }
}

/**
 * Up to this many units, a Dense weight gradient xᵀ·d is computed as (dᵀ·x)ᵀ: TF's CPU MatMul packs the wide
 * transposed input slowly, and for the linear model's 784 x 10 the product the other way round plus a 7,840-value
 * transpose took 0.09 ms instead of 0.17-0.26 (batch 100); at 64 units and more the two are even or xᵀ·d wins.
 */
const FEW_UNITS = 16;

/** x·W + b and the activation; the input gradient only where asked: dx = d·Wᵀ. x [batch, in] -> [batch, units]. */
function dense(ctx: LayerContext, call: LayerCall, config: Config): LoweredLayer {
  const { g } = ctx;
  const { layer } = call;
  checkNoRegularizers(layer, config);
  const activation = activationOf(layer, config);
  if (config.useBias !== true) unsupported(layer, 'useBias: false');
  if (call.inputShapes[0]?.length !== 2) unsupported(layer, 'input of rank other than 2');
  const x = only(call);
  const [kernel, bias] = [weight(layer, 'kernel'), weight(layer, 'bias')];
  const W = ctx.read(kernel);
  const z = op.biasAdd(g, op.matMul(g, x, W), ctx.read(bias));
  const output = activation === 'relu' ? op.relu(g, z) : z;
  return {
    output,
    backward(dy) {
      const d = activation === 'relu' ? op.reluGrad(g, dy, output) : dy;
      const dx = call.inputGradients[0] === true ? op.matMul(g, d, W, false, true) : undefined;
      const units = kernel.shape[1] as number;
      const dKernel = units <= FEW_UNITS ? op.transpose(g, op.matMul(g, d, x, true, false)) : op.matMul(g, x, d, true, false);
      return { inputs: [dx], weights: [[kernel, dKernel], [bias, op.biasAddGrad(g, d)]] };
    },
  };
}

/** A square, undilated 2D convolution with 'valid' padding (and any folded ZeroPadding2D), bias and activation. */
function conv2d(ctx: LayerContext, call: LayerCall, config: Config): LoweredLayer {
  const { g } = ctx;
  const { layer } = call;
  checkNoRegularizers(layer, config);
  checkChannelsLast(layer, config);
  const activation = activationOf(layer, config);
  const [kh, kw] = config.kernelSize as number[];
  const [sh, sw] = config.strides as number[];
  const dilation = config.dilationRate as number[] | number;
  if (config.padding !== 'valid') unsupported(layer, `padding '${String(config.padding)}'`);
  if (kh !== kw || sh !== sw || sh === undefined) unsupported(layer, 'non-square kernel or strides');
  if ((Array.isArray(dilation) ? dilation : [dilation]).some((d) => d !== 1)) unsupported(layer, 'dilation');
  const padding = call.padding ?? [0, 0, 0, 0];
  const x = only(call);
  // The forward pass takes the zeros as explicit padding (oneDNN's too); oneDNN's gradients fail with explicit
  // padding, so with oneDNN they see the input padded first and the input gradient is cut back to x's size.
  const spec: op.ConvSpec = { stride: sh, padding, oneDnn: ctx.oneDnn };
  const kernel = weight(layer, 'kernel');
  const bias = config.useBias === true ? weight(layer, 'bias') : undefined;
  const W = ctx.read(kernel);
  let output: Ref;
  if (bias !== undefined) output = op.fusedConv2d(g, x, W, ctx.read(bias), spec, activation === 'relu');
  else {
    const z = op.conv2d(g, x, W, spec);
    output = activation === 'relu' ? op.relu(g, z) : z;
  }
  return {
    output,
    backward(dy) {
      const d = activation === 'relu' ? op.reluGrad(g, dy, output) : dy;
      const padded = ctx.oneDnn && padding.some((p) => p !== 0);
      const input = padded ? op.pad(g, x, [[0, 0], [padding[0], padding[1]], [padding[2], padding[3]], [0, 0]]) : x;
      const gradientSpec: op.ConvSpec = padded ? { ...spec, padding: [0, 0, 0, 0] } : spec;
      let dx = call.inputGradients[0] === true ? op.conv2dBackpropInput(g, op.shape(g, input), W, d, gradientSpec) : undefined;
      if (dx !== undefined && padded) dx = op.slice(g, dx, [0, padding[0], padding[2], 0], op.shape(g, x));
      const weights: [tf.LayerVariable, Ref][] = [[kernel, op.conv2dBackpropFilter(g, input, kernel.shape as number[], d, gradientSpec)]];
      if (bias !== undefined) weights.push([bias, op.biasAddGrad(g, d)]);
      return { inputs: [dx], weights };
    },
  };
}

/**
 * BatchNormalization over every axis but the channels (last) of [batch, h, w, channels], with the batch's statistics
 * as in training, and the moving averages updated as tf.layers does it: moving -= (moving - batch) · (1 - momentum),
 * with the batch's biased variance (tf.moments).
 */
function batchNorm(ctx: LayerContext, call: LayerCall, config: Config): LoweredLayer {
  const { g } = ctx;
  const { layer } = call;
  if (call.inputShapes[0]?.length !== 4 || (config.axis !== -1 && config.axis !== 3)) unsupported(layer, 'only the last axis of a rank-4 input');
  if (config.center !== true || config.scale !== true) unsupported(layer, 'center and scale must both be on');
  for (const key of ['betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint']) if (config[key] != null) unsupported(layer, `${key} is set`);
  const epsilon = config.epsilon as number;
  const decay = 1 - (config.momentum as number);
  const x = only(call);
  const [gamma, beta] = [weight(layer, 'gamma'), weight(layer, 'beta')];
  const scale = ctx.read(gamma);
  const normed = op.fusedBatchNorm(g, x, scale, ctx.read(beta), epsilon, ctx.oneDnn);
  // FusedBatchNormV3 gives the unbiased variance; tf.moments' is (n - 1) / n of it, n values per channel.
  const xShape = op.shape(g, x);
  const perChannel = op.mul(g, op.mul(g, op.dimension(g, xShape, 0), op.dimension(g, xShape, 1)), op.dimension(g, xShape, 2));
  const biasedVariance = op.mul(g, normed.variance, g.add('DivNoNan', [op.sub(g, perChannel, g.scalar(1)), perChannel], { T: { type: 'float32' } }));
  for (const [name, value] of [['moving_mean', normed.mean], ['moving_variance', biasedVariance]] as const) {
    const moving = weight(layer, name);
    const current = ctx.read(moving);
    ctx.assign(moving, op.sub(g, current, op.mul(g, op.sub(g, current, value), g.scalar(decay))));
  }
  return {
    output: normed.y,
    backward(dy) {
      const [dx, dGamma, dBeta] = op.fusedBatchNormGrad(g, dy, x, scale, normed.reserve, epsilon, ctx.oneDnn);
      return { inputs: [call.inputGradients[0] === true ? dx : undefined], weights: [[gamma, dGamma], [beta, dBeta]] };
    },
  };
}

/** Elementwise activation layers: ReLU (no max value) and Activation (relu, linear, logSoftmax over the last axis). */
function activationLayer(ctx: LayerContext, call: LayerCall, kind: string): LoweredLayer {
  const { g } = ctx;
  const x = only(call);
  if (kind === 'linear') return { output: x, backward: (dy) => ({ inputs: [dy], weights: [] }) };
  if (kind === 'relu') {
    const output = op.relu(g, x);
    return { output, backward: (dy) => ({ inputs: [op.reluGrad(g, dy, output)], weights: [] }) };
  }
  if (kind === 'logSoftmax') {
    // y = x - log Σ exp x, so dx = dy - exp(y)·Σ dy (sums along the class axis).
    const output = op.logSoftmax(g, x);
    return { output, backward: (dy) => ({ inputs: [op.sub(g, dy, op.mul(g, op.exp(g, output), op.reduce(g, 'Sum', dy, [-1], true)))], weights: [] }) };
  }
  return unsupported(call.layer, `activation '${kind}'`);
}

/** Reshape and Flatten: the batch axis stays, the rest takes the layer's output shape. */
function reshapeLayer(ctx: LayerContext, call: LayerCall): LoweredLayer {
  const { g } = ctx;
  const x = only(call);
  const outputShape = call.outputShape.slice(1);
  if (outputShape.some((d) => d === null)) unsupported(call.layer, 'output shape not fully known');
  const output = op.reshape(g, x, [-1, ...(outputShape as number[])]);
  return { output, backward: (dy) => ({ inputs: [op.reshape(g, dy, op.shape(g, x))], weights: [] }) };
}

/** AveragePooling2D without padding. */
function averagePooling(ctx: LayerContext, call: LayerCall, config: Config): LoweredLayer {
  const { g } = ctx;
  checkChannelsLast(call.layer, config);
  const [ph, pw] = config.poolSize as number[];
  const [sh, sw] = config.strides as number[];
  if (config.padding !== 'valid' || ph !== pw || sh !== sw || ph === undefined || sh === undefined) unsupported(call.layer, 'only square valid pooling');
  const x = only(call);
  const output = op.avgPool(g, x, ph, sh);
  return { output, backward: (dy) => ({ inputs: [op.avgPoolGrad(g, op.shape(g, x), dy, ph, sh)], weights: [] }) };
}

/** Add of inputs of one shape: the gradient passes to each unchanged. */
function addLayer(ctx: LayerContext, call: LayerCall): LoweredLayer {
  const shapes = call.inputShapes.map((s) => s.join(','));
  if (new Set(shapes).size !== 1) unsupported(call.layer, 'inputs of different shapes (broadcasting)');
  return { output: op.addN(ctx.g, call.inputs), backward: (dy) => ({ inputs: call.inputs.map(() => dy), weights: [] }) };
}

/** Zero padding on its own (when it does not feed exactly one convolution, which takes it over). */
function zeroPadding(ctx: LayerContext, call: LayerCall, config: Config): LoweredLayer {
  const { g } = ctx;
  checkChannelsLast(call.layer, config);
  const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
  const x = only(call);
  const output = op.pad(g, x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  return { output, backward: (dy) => ({ inputs: [op.slice(g, dy, [0, top, left, 0], op.shape(g, x))], weights: [] }) };
}

/** The zeros [top, bottom, left, right] of a ZeroPadding2D layer (for folding it into the convolution it feeds). */
export function zeroPaddingOf(layer: tf.layers.Layer): [number, number, number, number] | undefined {
  if (layer.getClassName() !== 'ZeroPadding2D') return undefined;
  const config = layer.getConfig() as Config;
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') return undefined;
  const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
  return [top, bottom, left, right];
}

/** The layer call as graph ops, or an UnsupportedLayerError saying what is not handled. */
export function lowerLayer(ctx: LayerContext, call: LayerCall): LoweredLayer {
  const { layer } = call;
  const config = layer.getConfig() as Config;
  return ctx.g.within(layer.name, () => {
    switch (layer.getClassName()) {
      case 'Dense':
        return dense(ctx, call, config);
      case 'Conv2D':
        return conv2d(ctx, call, config);
      case 'BatchNormalization':
        return batchNorm(ctx, call, config);
      case 'ReLU':
        if (config.maxValue != null) unsupported(layer, 'maxValue');
        return activationLayer(ctx, call, 'relu');
      case 'Activation':
        return activationLayer(ctx, call, String(config.activation));
      case 'Reshape':
      case 'Flatten':
        checkChannelsLast(layer, config);
        return reshapeLayer(ctx, call);
      case 'AveragePooling2D':
        return averagePooling(ctx, call, config);
      case 'Add':
        return addLayer(ctx, call);
      case 'ZeroPadding2D':
        return zeroPadding(ctx, call, config);
      default:
        return unsupported(layer, 'no graph lowering for this layer type');
    }
  });
}
