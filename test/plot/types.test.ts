import { describe, expectTypeOf, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import type { plot } from 'nodeplotlib';
import type { Figure, LiveChart, RasterImage, TensorLike } from '../../src/plot/index.js';

/** The callback shape src/train's `fit` is specified to call (kept here as a structural copy, no import). */
interface FitCallbacks {
  onEpochBegin?(epoch: number): void;
  onBatchEnd?(logs: { batch: number; loss: number; lr: number }): void;
  onEpochEnd?(epoch: number, logs: { loss: number; acc: number; valLoss: number; valAcc: number; seconds: number }): void;
}

describe('public types', () => {
  it('a live chart is accepted where fit and tf.js model.fit take callbacks', () => {
    expectTypeOf<LiveChart>().toMatchTypeOf<FitCallbacks>();
    expectTypeOf<LiveChart>().toMatchTypeOf<tf.CustomCallbackArgs>();
  });

  it('a figure passes straight to nodeplotlib.plot and a tf.Tensor is TensorLike', () => {
    expectTypeOf<Figure['data']>().toMatchTypeOf<Parameters<typeof plot>[0]>();
    expectTypeOf<tf.Tensor>().toMatchTypeOf<TensorLike>();
    expectTypeOf<RasterImage['png']>().toEqualTypeOf<Uint8Array>();
  });
});
