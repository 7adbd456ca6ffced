// Arithmetic per sample of each tutorial model, from its layer shapes, and the floor time that arithmetic needs.
import * as tf from '@tensorflow/tfjs';
import { TUTORIAL_SPECS, type BenchModel } from './specs.js';

/**
 * Training a layer costs about three forward passes: the forward itself, the gradient with respect to its weights
 * and the gradient with respect to its input are one matmul (or convolution) each. The first layer's input is the
 * data, whose gradient neither PyTorch nor TF.js computes, so it costs two. Seed 004 is three matmuls, as written:
 * XW in `_loss`, XW again and Xᵀ(XW − Y) in `_gradient`.
 */
export const TRAINING_TO_FORWARD = 3;

/**
 * One thread's float32 matmul rate to fall back on when PyTorch cannot measure it: roughly what a 2-core x86 laptop
 * or cloud VM reaches with AVX2 (an AVX-512 server core reaches about twice that; the bench measures it when it can).
 */
export const NOMINAL_FLOOR_GFLOPS_PER_THREAD = 50;

/** FLOPs of one sample (2 per multiply-add), counting matmuls and convolutions only (elementwise work is small). */
export interface ModelFlops {
  forwardPerSample: number;
  trainingPerSample: number;
}

/** Multiply-adds of one sample's forward pass through each Dense and Conv2D layer of `model`, in order. */
export function layerMacsPerSample(model: tf.LayersModel): number[] {
  const macs: number[] = [];
  for (const layer of model.layers) {
    const kernel = layer.weights[0]?.shape as number[] | undefined;
    if (kernel === undefined) continue;
    const className = layer.getClassName();
    if (className === 'Dense') {
      macs.push((kernel[0] ?? 0) * (kernel[1] ?? 0)); // [in, out]
    } else if (className === 'Conv2D') {
      const [, height, width] = layer.outputShape as number[]; // [batch, height, width, outChannels]
      macs.push((height as number) * (width as number) * kernel.reduce((a, b) => a * b, 1)); // kh * kw * in * out
    }
  }
  return macs;
}

/** Seed 004's weight is [784, 10]: one matmul of that size per sample and pass. */
const LEAST_SQUARES_MACS = 784 * 10;

/** FLOPs per sample of the tutorial model `name`, as we build it. */
export function modelFlops(name: BenchModel): ModelFlops {
  const build = TUTORIAL_SPECS[name].build;
  if (build === undefined) {
    const forwardPerSample = 2 * LEAST_SQUARES_MACS;
    return { forwardPerSample, trainingPerSample: TRAINING_TO_FORWARD * forwardPerSample };
  }
  const model = build();
  const macs = layerMacsPerSample(model);
  model.dispose();
  const forward = macs.reduce((a, b) => a + b, 0);
  return { forwardPerSample: 2 * forward, trainingPerSample: 2 * (TRAINING_TO_FORWARD * forward - (macs[0] ?? 0)) };
}

/**
 * The share of the arithmetic floor a run reaches: (FLOPs / peak rate) / seconds taken. 1 would be every thread
 * doing nothing but peak-rate matmuls; small models are bound by per-operation overhead far below that.
 */
export function floorFraction(flops: number, seconds: number, gflopsPerThread: number, threads = 1): number {
  return flops / (gflopsPerThread * 1e9 * threads) / seconds;
}
