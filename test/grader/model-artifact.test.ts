import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHidden, saveModel } from '../../src/models/index.js';
import { BadRequestError, EvaluationTimeoutError, InvalidModelError } from '../../grader/errors.js';
import { gradeSubmission } from '../../grader/grade.js';
import { artifactFromModel, artifactSha256, decodeArtifact, encodeArtifact, readModelDir } from '../../grader/model-artifact.js';
import type { ModelArtifact, ModelJson } from '../../grader/model-artifact.js';
import { checkImageClassifierShapes, loadValidatedModel, summarizeModel, validateModelArtifact } from '../../grader/model-validation.js';
import { loadOfficialTestSet } from '../../grader/test-data.js';
import { TEST_EXERCISE, tempDir, tinyDenseModel } from './fixtures.js';

/** A copy of `artifact` with model.json edited by `edit`. */
function edited(artifact: ModelArtifact, edit: (json: ModelJson & { modelTopology: any }) => void): ModelArtifact {
  const modelJson = structuredClone(artifact.modelJson) as ModelJson & { modelTopology: any };
  edit(modelJson);
  return { modelJson, weightData: artifact.weightData };
}

/** Three small dense members averaged by a standard Average layer: an ensemble as one TF.js model. */
function ensembleOf(members: tf.Sequential[]): tf.LayersModel {
  const input = tf.input({ shape: [784] });
  const outputs = members.map((member) => member.apply(input) as tf.SymbolicTensor);
  return tf.model({ inputs: input, outputs: tf.layers.average().apply(outputs) as tf.SymbolicTensor });
}

let valid: ModelArtifact;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = tinyDenseModel();
  valid = await artifactFromModel(model);
  model.dispose();
});

describe('validateModelArtifact', () => {
  it('accepts a saved dense model, loads it and reads its shapes without running student code', async () => {
    const before = tf.memory().numTensors;
    const model = await loadValidatedModel(validateModelArtifact(valid));
    const summary = summarizeModel(model);
    expect(summary).toEqual({ inputShapes: [[null, 784]], outputShapes: [[null, 10]], layerClasses: ['Dense', 'Dense'], paramCount: 784 * 16 + 16 + 16 * 10 + 10 });
    expect(() => checkImageClassifierShapes(summary)).not.toThrow();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects truncated weights, saying how many bytes were expected', () => {
    const truncated = { modelJson: valid.modelJson, weightData: valid.weightData.subarray(0, 100) };
    expect(() => validateModelArtifact(truncated)).toThrow(/truncated: the manifest needs 50920 bytes, got 100/);
  });

  it('rejects a weight dtype other than float32', () => {
    expect(() => validateModelArtifact(edited(valid, (json) => { (json.weightsManifest[0]!.weights[0] as { dtype: string }).dtype = 'float16'; }))).toThrow(/dtype "float16"; expected "float32"/);
  });

  it('rejects custom and unknown layer classes', () => {
    const custom = edited(valid, (json) => { json.modelTopology.config.layers[1].class_name = 'MyAttentionLayer'; });
    expect(() => validateModelArtifact(custom)).toThrow(InvalidModelError);
    expect(() => validateModelArtifact(custom)).toThrow(/"MyAttentionLayer" at modelTopology.layers\[1\] is not allowed/);
  });

  it('rejects graph models and files without a topology or manifest', () => {
    expect(() => validateModelArtifact(edited(valid, (json) => { json.format = 'graph-model'; }))).toThrow(/expected "layers-model"/);
    expect(() => validateModelArtifact({ modelJson: { weightsManifest: [] }, weightData: new Uint8Array() })).toThrow(/no modelTopology/);
    expect(() => validateModelArtifact({ modelJson: [], weightData: new Uint8Array() })).toThrow(/JSON object/);
  });

  it('rejects a topology whose declared layer sizes disagree with the weights (before TF.js allocates them)', () => {
    const huge = edited(valid, (json) => { json.modelTopology.config.layers[0].config.units = 100_000_000; });
    expect(() => validateModelArtifact(huge)).toThrow(/declares units=100000000 but its weight has shape \[784,16\]/);
  });

  it('rejects a declared input shape other than an MNIST image before TF.js sizes any weight from it', () => {
    const huge = edited(valid, (json) => { json.modelTopology.config.layers[0].config.batch_input_shape = [null, 5000, 5000, 1]; });
    expect(() => validateModelArtifact(huge)).toThrow(/declares input shape \[null,5000,5000,1\]; expected \[null,28,28,1\] or \[null,784\]/);
  });

  it('accepts the course models, whose inner dense layers declare an inputDim that TF.js ignores', async () => {
    const model = createHidden({ seed: 1 });
    const artifact = await artifactFromModel(model);
    model.dispose();
    const layers = (artifact.modelJson as ModelJson & { modelTopology: any }).modelTopology.config.layers as Array<{ config: { batch_input_shape?: unknown } }>;
    expect(layers.some((layer) => JSON.stringify(layer.config.batch_input_shape) === '[null,100]')).toBe(true);
    expect(() => validateModelArtifact(artifact)).not.toThrow();
  });

  it('rejects a model whose output is not 10 class scores', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 5 })] });
    const artifact = await artifactFromModel(model);
    model.dispose();
    const loaded = await loadValidatedModel(validateModelArtifact(artifact));
    expect(() => checkImageClassifierShapes(summarizeModel(loaded))).toThrow(/output of shape \[null,10\]/);
    loaded.dispose();
  });
});

describe('wire format and folders', () => {
  it('round-trips through base64 and rejects corrupt base64', () => {
    const back = decodeArtifact(JSON.parse(JSON.stringify(encodeArtifact(valid))));
    expect(Buffer.from(back.weightData).equals(Buffer.from(valid.weightData))).toBe(true);
    expect(() => decodeArtifact({ modelJson: {}, weightsBase64: 'abc$' })).toThrow(BadRequestError);
  });

  it('reads a folder written by saveModel to the same content hash as the in-memory model', async () => {
    const model = tinyDenseModel();
    const dir = tempDir();
    await saveModel(model, dir);
    const fromDir = await readModelDir(dir);
    expect(artifactSha256(fromDir)).toBe(artifactSha256(await artifactFromModel(model)));
    // Same weights under other auto-generated layer names is another topology, so another hash.
    expect(artifactSha256(fromDir)).not.toBe(artifactSha256(valid));
    model.dispose();
  });

  it('refuses weight paths that leave the model folder', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'm'));
    writeFileSync(path.join(dir, 'm', 'model.json'), JSON.stringify({ ...(valid.modelJson as object), weightsManifest: [{ paths: ['../secret.bin'], weights: [] }] }));
    await expect(readModelDir(path.join(dir, 'm'))).rejects.toThrow(/leaves the model folder/);
  });
});

describe('grading model submissions', () => {
  it('loads and evaluates an ensemble packaged as one model with a standard Average layer', async () => {
    const members = [1, 3, 5].map((seed) => tinyDenseModel(seed));
    const ensemble = ensembleOf(members);
    const artifact = await artifactFromModel(ensemble);
    const before = tf.memory().numTensors;
    const result = await gradeSubmission({ exercise: { ...TEST_EXERCISE, limit: 200, constraints: [] }, answer: { kind: 'model', artifact } });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.model?.layerClasses).toEqual(['InputLayer', 'Sequential', 'Dense', 'Dense', 'Sequential', 'Dense', 'Dense', 'Sequential', 'Dense', 'Dense', 'Average']);
    // The grader's predictions are the argmax of the members' mean probabilities.
    const testSet = await loadOfficialTestSet('mnist');
    const expected = tf.tidy(() => {
      const x = tf.tensor2d(testSet.images.subarray(0, 200 * 784), [200, 784]);
      return tf.addN(members.map((m) => m.predict(x) as tf.Tensor)).argMax(-1).dataSync();
    });
    const correct = Array.from(expected).filter((p, i) => p === testSet.labels[i]).length;
    expect(result.accuracy?.correct).toBe(correct);
    ensemble.dispose();
  });

  it('stops an evaluation that runs past the exercise time limit, leaking no tensors', async () => {
    const model = tinyDenseModel();
    const artifact = await artifactFromModel(model);
    model.dispose();
    const before = tf.memory().numTensors;
    await expect(gradeSubmission({ exercise: { ...TEST_EXERCISE, timeoutMs: 0 }, answer: { kind: 'model', artifact } })).rejects.toBeInstanceOf(EvaluationTimeoutError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks constraints on the layer list before evaluating, and scores a violation 0 with the reason', async () => {
    const cnn = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 10 })] });
    const result = await gradeSubmission({ exercise: TEST_EXERCISE, answer: { kind: 'model', artifact: await artifactFromModel(cnn) } });
    cnn.dispose();
    expect(result.accuracy).toBeNull();
    expect(result.score).toBe(0);
    expect(result.constraints.find((c) => !c.passed)?.message).toBe('dense layers only: found Conv2D');
  });
});
