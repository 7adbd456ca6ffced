// Saving and loading models as a folder with model.json + weights.bin, on every backend, standard layers only.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelFileError, UnsupportedLayerError } from './errors.js';

/** File names inside a saved model folder (the tfjs layers-model format that tf.loadLayersModel reads). */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Class names of the layers and models that ship with tfjs-layers 4.22. loadModel refuses anything else:
 * a saved topology can only name classes, and a class outside this list would be code someone registered.
 */
export const STANDARD_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'Activation', 'Add', 'AlphaDropout', 'Average', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
  'BatchNormalization', 'Bidirectional', 'CategoryEncoding', 'CenterCrop', 'Concatenate', 'Conv1D', 'Conv2D',
  'Conv2DTranspose', 'Conv3D', 'Conv3DTranspose', 'ConvLSTM2D', 'ConvLSTM2DCell', 'Cropping2D', 'Dense',
  'DepthwiseConv2D', 'Dot', 'Dropout', 'ELU', 'Embedding', 'Flatten', 'Functional', 'GRU', 'GRUCell',
  'GaussianDropout', 'GaussianNoise', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D',
  'GlobalMaxPooling2D', 'InputLayer', 'LSTM', 'LSTMCell', 'LayerNormalization', 'LeakyReLU', 'Masking',
  'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'Maximum', 'Minimum', 'Model', 'Multiply', 'PReLU', 'Permute',
  'RNN', 'RandomHeight', 'RandomWidth', 'ReLU', 'RepeatVector', 'Rescaling', 'Reshape', 'Resizing',
  'SeparableConv2D', 'Sequential', 'SimpleRNN', 'SimpleRNNCell', 'Softmax', 'SpatialDropout1D',
  'StackedRNNCells', 'ThresholdedReLU', 'TimeDistributed', 'UpSampling2D', 'ZeroPadding2D',
]);

/**
 * Writes `model` to `dir` (created if needed) as model.json + weights.bin; returns the two paths.
 * Uses an in-memory save handler and node:fs, so it works on cpu, wasm and native backends alike.
 * @example await saveModel(model, 'models/mlp')
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<{ modelJson: string; weights: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { modelJson: join(dir, MODEL_JSON), weights: join(dir, WEIGHTS_BIN) };
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ?? new ArrayBuffer(0);
      const weights = tf.io.CompositeArrayBuffer.join(weightData);
      await writeFile(paths.weights, new Uint8Array(weights));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(paths.modelJson, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return paths;
}

/** Throws UnsupportedLayerError for the first class name in the topology outside STANDARD_LAYER_CLASSES. */
function checkStandardLayers(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((item) => checkStandardLayers(item, path));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const className = record['class_name'];
  const config = record['config'];
  // Only layer entries carry a `layers`-bearing or `name`-bearing config; initializers and constraints also
  // have class_name but live under keys like kernel_initializer, which tf.serialization resolves to built-ins.
  if (typeof className === 'string' && config !== null && typeof config === 'object' && 'name' in config) {
    if (!STANDARD_LAYER_CLASSES.has(className)) throw new UnsupportedLayerError(className, path);
  }
  const layers = config !== null && typeof config === 'object' ? (config as Record<string, unknown>)['layers'] : undefined;
  if (layers !== undefined) checkStandardLayers(layers, path);
  if (record['model_config'] !== undefined) checkStandardLayers(record['model_config'], path);
}

async function readJson(path: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ModelFileError(`Expected a saved model at ${path}, found no such file. Save one with saveModel(model, dir) first.`);
  }
  const json = JSON.parse(text) as Partial<tf.io.ModelJSON>;
  if (json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(
      `Expected ${path} to hold a tfjs layers model (modelTopology and weightsManifest), found keys ` +
        `[${Object.keys(json).join(', ')}]. Use a folder written by saveModel or model.save.`,
    );
  }
  return json as tf.io.ModelJSON;
}

/**
 * Loads a model saved by `saveModel` (or any tfjs layers model.json + weight files in one folder),
 * after checking that it uses only standard tf.layers classes. The caller owns the returned model.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const modelPath = join(dir, MODEL_JSON);
  const modelJson = await readJson(modelPath);
  checkStandardLayers(modelJson.modelTopology, modelPath);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = await Promise.all(
      manifest.flatMap((group) => group.paths).map(async (file) => {
        try {
          const bytes = await readFile(join(dir, file));
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        } catch {
          throw new ModelFileError(`Expected the weights file ${join(dir, file)} named by ${modelPath}, found none. Save the model again.`);
        }
      }),
    );
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
