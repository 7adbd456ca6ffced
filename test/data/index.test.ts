import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import * as data from '../../src/data/index.js';
import type { Batch, Dataset, ImageDataset, LoadOptions, OpenMlMnist } from '../../src/data/index.js';

describe('the data module\'s public API', () => {
  it('exports the loaders, datasets, transforms and errors', () => {
    for (const name of ['loadMnist', 'loadMnistSplits', 'loadFashionMnist', 'loadFashionMnistSplits', 'loadOpenMlMnist',
      'DataLoader', 'ImageDataset', 'TensorDataset', 'Uint8Matrix', 'toTensor', 'normalize', 'compose', 'oneHot',
      'decodeIdx', 'encodeIdx', 'readIdxFile', 'writeIdxFile', 'DatasetError', 'IdxFormatError', 'ChecksumError', 'DownloadError']) {
      expect(typeof (data as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('has the types the tutorials rely on', () => {
    expectTypeOf(data.loadMnist).parameter(0).toEqualTypeOf<LoadOptions | undefined>();
    expectTypeOf(data.loadMnist).returns.resolves.toEqualTypeOf<ImageDataset>();
    expectTypeOf(data.loadFashionMnist).returns.resolves.toEqualTypeOf<ImageDataset>();
    expectTypeOf(data.loadOpenMlMnist).returns.resolves.toEqualTypeOf<OpenMlMnist>();
    expectTypeOf<ImageDataset>().toExtend<Dataset>();
    expectTypeOf<data.TensorDataset>().toExtend<Dataset>();
    expectTypeOf<data.DataLoader>().toExtend<Iterable<Batch>>();
    expectTypeOf<Batch>().toEqualTypeOf<{ readonly images: tf.Tensor; readonly labels: tf.Tensor }>();
    expectTypeOf<ReturnType<ImageDataset['get']>>().toEqualTypeOf<{ image: tf.Tensor3D; label: number }>();
    expectTypeOf<Dataset['gather']>().returns.toEqualTypeOf<{ images: Float32Array; labels: Int32Array }>();
  });
});
