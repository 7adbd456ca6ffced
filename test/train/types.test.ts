// Type tests of the training API: what the compiler accepts is part of the contract notebooks rely on.
import * as tf from '@tensorflow/tfjs';
import { describe, expectTypeOf, it } from 'vitest';
import { DataLoader } from '../../src/data/index.js';
import type { BatchSource, FitCallbacks, History, LossFn, SchedulableOptimizer } from '../../src/train/index.js';
import { crossEntropy, evaluate, fit, mseLoss, nllLoss, OneCycleLR, SGD } from '../../src/train/index.js';

describe('training API types', () => {
  it('a DataLoader is a BatchSource, and fit/evaluate take it', () => {
    expectTypeOf<DataLoader>().toMatchTypeOf<BatchSource>();
    expectTypeOf(fit).parameter(1).toEqualTypeOf<BatchSource>();
    expectTypeOf(evaluate).parameter(1).toEqualTypeOf<BatchSource>();
    expectTypeOf(fit).returns.toEqualTypeOf<Promise<History>>();
  });

  it('the losses are LossFns and SGD is a tf.Optimizer a scheduler can drive', () => {
    expectTypeOf(crossEntropy).toMatchTypeOf<LossFn>();
    expectTypeOf(nllLoss).toMatchTypeOf<LossFn>();
    expectTypeOf(mseLoss).toMatchTypeOf<LossFn>();
    expectTypeOf<SGD>().toMatchTypeOf<tf.Optimizer>();
    expectTypeOf<SGD>().toMatchTypeOf<SchedulableOptimizer>();
    expectTypeOf<OneCycleLR>().toHaveProperty('step');
  });

  it('callbacks may be synchronous or return promises', () => {
    expectTypeOf<{ onEpochEnd: () => void }>().toMatchTypeOf<FitCallbacks>();
    expectTypeOf<{ onBatchEnd: () => Promise<void> }>().toMatchTypeOf<FitCallbacks>();
  });
});
