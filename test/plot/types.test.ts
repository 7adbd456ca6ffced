import { describe, expectTypeOf, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import type { plot } from 'nodeplotlib';
import type { CurveHistory, Figure, LiveChart, RasterImage, TensorLike } from '../../src/plot/index.js';

// The test may import src/train's type (the library must not): it fails here if fit's callbacks drift.
import type { FitCallbacks, History } from '../../src/train/fit.js';

describe('public types', () => {
  it('a live chart is accepted where fit and tf.js model.fit take callbacks', () => {
    expectTypeOf<LiveChart>().toExtend<FitCallbacks>();
    expectTypeOf<LiveChart>().toExtend<tf.CustomCallbackArgs>();
  });

  it('the History fit returns goes straight into trainingCurves', () => {
    expectTypeOf<History>().toExtend<CurveHistory>();
  });

  it('a figure passes straight to nodeplotlib.plot and a tf.Tensor is TensorLike', () => {
    expectTypeOf<Figure['data']>().toExtend<Parameters<typeof plot>[0]>();
    expectTypeOf<tf.Tensor>().toExtend<TensorLike>();
    expectTypeOf<RasterImage['png']>().toEqualTypeOf<Uint8Array>();
  });
});
