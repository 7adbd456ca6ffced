// Tests of saveModel / loadModel: round trips, the standard tfjs format, and refusing custom layers.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlp, createResNet, loadModel, ModelFileError, saveModel, torchRepr, UnsupportedLayerError } from '../../src/models/index.js';
import { quietBackend } from '../train/fixtures.js';

let dir: string;
beforeAll(async () => {
  await quietBackend();
  dir = await mkdtemp(join(tmpdir(), 'models-io-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function maxDifference(a: tf.LayersModel, b: tf.LayersModel, input: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(input) as tf.Tensor, b.predict(input) as tf.Tensor))).dataSync()[0] as number);
}

describe('saveModel and loadModel', () => {
  it('round-trips the ResNet (shared ReLU, BatchNorm statistics, printout metadata) exactly', async () => {
    const model = createResNet({ seed: 4 });
    // Move the BatchNorm running statistics away from their initial values so the round trip must carry them.
    tf.tidy(() => void model.apply(tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', 5), { training: true }));
    const folder = join(dir, 'resnet');
    const paths = await saveModel(model, folder);
    const loaded = await loadModel(folder);
    const input = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 6);
    expect(maxDifference(model, loaded, input)).toBe(0);
    expect(torchRepr(loaded)).toBe(torchRepr(model));
    const json = JSON.parse(await readFile(paths.modelJson, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    input.dispose();
  });

  it('writes weights.bin with every weight as float32', async () => {
    const model = createMlp({ seed: 1 });
    const { weights } = await saveModel(model, join(dir, 'mlp'));
    expect((await readFile(weights)).byteLength).toBe(130_058 * 4);
  });

  it('refuses a model.json naming a layer class outside tf.layers', async () => {
    const folder = join(dir, 'custom');
    const { modelJson } = await saveModel(createMlp(), folder);
    const text = await readFile(modelJson, 'utf8');
    await writeFile(modelJson, text.replace('"class_name":"Dense"', '"class_name":"MyCustomDense"'));
    await expect(loadModel(folder)).rejects.toThrow(UnsupportedLayerError);
    await expect(loadModel(folder)).rejects.toThrow(/found "MyCustomDense"/);
  });

  it('says what is missing when the folder holds no model', async () => {
    await expect(loadModel(join(dir, 'nothing'))).rejects.toThrow(ModelFileError);
    await expect(loadModel(join(dir, 'nothing'))).rejects.toThrow(/Save one with saveModel/);
  });
});
