// Gradients of BatchNorm in training mode with fewer full-size passes: FusedBatchNorm without Tile, Mean by broadcast.
import * as tf from '@tensorflow/tfjs';
import { FusedBatchNorm, Mean, backend_util, type FusedBatchNormAttrs, type GradConfig, type MeanAttrs, type NamedAttrMap } from '@tensorflow/tfjs';

type GradFunc = GradConfig['gradFunc'];

/**
 * FusedBatchNorm's gradient for per-channel statistics (mean, variance, scale, offset all [C], x [..., C]).
 * With r = 1/sqrt(variance + eps), γ the scale and sums over every axis but the last:
 *   dx = dy·γ·r,  dmean = -γ·r·Σdy,  dvariance = -½·γ·r³·Σ dy·(x - mean),  dscale = r·Σ dy·(x - mean),  doffset = Σdy.
 * TF.js's own computes the same with a Tile of r to the full activation and about a dozen full-size products and
 * sums per layer; this takes five full-size passes. Other shapes go to TF.js's own gradient (`original`).
 */
function fusedBatchNormGradient(original: GradFunc): GradFunc {
  return (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const upstream = dy as tf.Tensor;
    if (mean.rank !== 1 || x.rank < 2) return original(dy, saved, attrs);
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const gamma = scale ?? tf.scalar(1);
    const r = tf.rsqrt(tf.add(variance, varianceEpsilon)); // [C]
    const gammaR = tf.mul(gamma, r);
    const sumDy = tf.sum(upstream, axes);
    const sumDyXMinusMean = tf.sum(tf.mul(upstream, tf.sub(x, mean)), axes);
    return {
      x: () => tf.mul(upstream, gammaR),
      mean: () => tf.reshape(tf.mul(tf.neg(gammaR), sumDy), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(gammaR, tf.square(r)), -0.5), sumDyXMinusMean), mean.shape),
      scale: () => tf.reshape(tf.mul(r, sumDyXMinusMean), mean.shape),
      offset: () => tf.reshape(sumDy, mean.shape),
    };
  };
}

/**
 * Mean's gradient, dy / n broadcast back over the reduced axes: one small division and one Tile, where TF.js's
 * own multiplies by a full tensor of ones and divides the full result (tf.moments runs two Means per BatchNorm).
 */
function meanGradient(): GradFunc {
  return (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const expandedShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(tf.cast(dy as tf.Tensor, 'float32'), expandedShape), tf.util.sizeFromShape(reduceShape)), x.shape) };
  };
}

/** A replacement gradient: `wrap` receives TF.js's own gradient function. */
export interface GradientOverride {
  kernelName: string;
  wrap(original: GradFunc): GradFunc;
}

/** Registered over TF.js's own gradients (for every backend) by registerWasmTrainingKernels. */
export const GRADIENT_OVERRIDES: readonly GradientOverride[] = [
  { kernelName: FusedBatchNorm, wrap: fusedBatchNormGradient },
  { kernelName: Mean, wrap: () => meanGradient() },
];
