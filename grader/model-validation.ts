// Checks a submitted model artifact without running student code, then loads it through TF.js's own deserializer.
import * as tf from '@tensorflow/tfjs';
import { InvalidModelError } from './errors.js';
import type { ModelArtifact, ModelJson, WeightSpec } from './model-artifact.js';

/**
 * Standard TF.js layer classes a submission may use: those an image classifier needs, including everything the
 * course's models use (src/models). TF.js can only build registered classes, and none of these runs user code.
 * Layers whose config alone could blow up memory are either left out (Embedding, recurrent layers) or bounded
 * below (ZeroPadding2D, UpSampling2D). Sequential, Model and Functional appear because ensembles nest models.
 */
export const ALLOWED_LAYER_CLASSES: ReadonlySet<string> = new Set([
  'InputLayer', 'Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
  'Flatten', 'Reshape', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Dropout', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise',
  'BatchNormalization', 'LayerNormalization', 'Rescaling',
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax',
  'Add', 'Average', 'Concatenate', 'Maximum', 'Minimum', 'Multiply',
  'Sequential', 'Model', 'Functional',
]);

const NESTED_MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);
const IMAGE_INPUTS: ReadonlyArray<ReadonlyArray<number | null>> = [[null, 28, 28, 1], [null, 784]];
// Float32 only: TF.js layers weights are float32, and quantized (uint8/float16) manifests change byte accounting.
const BYTES_PER_FLOAT32 = 4;
// One weight tensor may not exceed 2^28 elements (1 GiB); real MNIST models are far below.
const MAX_WEIGHT_ELEMENTS = 2 ** 28;

/** A layer found in the topology (nested models flattened), with the config fields the checks read. */
export interface TopologyLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

/** The artifact after static checks, ready for `loadValidatedModel`. */
export interface ValidatedArtifact {
  modelTopology: object;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
  layers: TopologyLayer[];
}

/**
 * Static checks, in the order a student can fix them: format, topology, allowed layer classes, manifest,
 * dtypes, byte lengths, declared layer sizes against weight shapes. Throws InvalidModelError (HTTP 422).
 */
export function validateModelArtifact(artifact: ModelArtifact): ValidatedArtifact {
  const json = artifact.modelJson as Partial<ModelJson> | null;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidModelError('model.json must be a JSON object with modelTopology and weightsManifest.');
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new InvalidModelError(`model.json has format "${String(json.format)}"; expected "layers-model". Save a tf.LayersModel with model.save or saveModel (graph models cannot be checked layer by layer).`);
  }
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (typeof topology !== 'object' || topology === null) throw new InvalidModelError('model.json has no modelTopology object; save the model with model.save or saveModel.');
  const layers = collectLayers(unwrapModelConfig(topology), 'modelTopology');
  const weightSpecs = checkManifest(json.weightsManifest);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + elementCount(spec.shape) * BYTES_PER_FLOAT32, 0);
  if (artifact.weightData.byteLength !== expectedBytes) {
    const what = artifact.weightData.byteLength < expectedBytes ? 'truncated' : 'longer than the manifest says';
    throw new InvalidModelError(`Weights are ${what}: the manifest needs ${expectedBytes} bytes, got ${artifact.weightData.byteLength}. Upload every weight file listed in model.json, unmodified.`);
  }
  checkDeclaredSizes(layers, new Map(weightSpecs.map((spec) => [spec.name, spec.shape])));
  const data = artifact.weightData;
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return { modelTopology: topology, weightSpecs, weightData, layers };
}

/**
 * Loads a validated artifact with `tf.loadLayersModel` (strict: every model weight must be in the manifest with
 * its shape). The caller owns the returned model and must `dispose()` it.
 */
export async function loadValidatedModel(artifact: ValidatedArtifact): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: artifact.modelTopology, weightSpecs: artifact.weightSpecs as tf.io.WeightsManifestEntry[], weightData: artifact.weightData }),
      { strict: true },
    );
  } catch (error) {
    throw new InvalidModelError(`TF.js could not build the model: ${(error as Error).message}. Check that model.json and the weights come from the same save.`);
  }
}

/** What the constraint checks read from a loaded model. */
export interface ModelSummary {
  /** e.g. [[null, 28, 28, 1]] */
  inputShapes: Array<Array<number | null>>;
  outputShapes: Array<Array<number | null>>;
  /** Class names of every layer, nested members included, in order. */
  layerClasses: string[];
  paramCount: number;
}

/** Reads input/output shapes, the flattened layer list and the parameter count of a loaded model. */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layerClasses: string[] = [];
  const walk = (layer: tf.layers.Layer): void => {
    layerClasses.push(layer.getClassName());
    if (layer instanceof tf.LayersModel) layer.layers.forEach(walk);
  };
  model.layers.forEach(walk);
  return {
    inputShapes: model.inputs.map((input) => [...input.shape]),
    outputShapes: model.outputs.map((output) => [...output.shape]),
    layerClasses,
    paramCount: model.countParams(),
  };
}

/** Requires one image input ([null, 28, 28, 1] or [null, 784]) and one output of 10 class scores. */
export function checkImageClassifierShapes(summary: ModelSummary): void {
  const [input] = summary.inputShapes;
  const [output] = summary.outputShapes;
  const inputOk = summary.inputShapes.length === 1 && input !== undefined && (sameShape(input, [null, 28, 28, 1]) || sameShape(input, [null, 784]));
  if (!inputOk) throw new InvalidModelError(`Expected one input of shape [null,28,28,1] or [null,784], got ${JSON.stringify(summary.inputShapes)}. Give the first layer inputShape [28, 28, 1] or [784].`);
  if (summary.outputShapes.length !== 1 || output === undefined || !sameShape(output, [null, 10])) {
    throw new InvalidModelError(`Expected one output of shape [null,10] (a score per class), got ${JSON.stringify(summary.outputShapes)}. End the model with a dense layer of 10 units.`);
  }
}

/** True when two shapes agree entry by entry (null matches only null). */
export function sameShape(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function unwrapModelConfig(topology: Record<string, unknown>): Record<string, unknown> {
  // Keras-converted files wrap the model as { model_config: { class_name, config }, keras_version, backend }.
  const inner = topology['model_config'];
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : topology;
}

/**
 * Walks the topology, allow-listing layer classes. `entry` marks a layer whose declared input shape TF.js builds
 * from (a Sequential's first layer); InputLayers always are. Other layers may carry a batch_input_shape (e.g. from
 * `inputDim`) that TF.js ignores, since their weights are sized from the tensors they receive.
 */
function collectLayers(node: Record<string, unknown>, where: string, out: TopologyLayer[] = [], entry = false): TopologyLayer[] {
  const className = node['class_name'];
  if (typeof className !== 'string') throw new InvalidModelError(`${where} has no class_name; model.json looks hand-edited or truncated.`);
  if (!ALLOWED_LAYER_CLASSES.has(className)) {
    throw new InvalidModelError(`Layer class "${className}" at ${where} is not allowed. The grader accepts only standard TF.js layers (${[...ALLOWED_LAYER_CLASSES].join(', ')}); custom layers would need your code to run on the server.`);
  }
  const config = (typeof node['config'] === 'object' && node['config'] !== null ? node['config'] : {}) as Record<string, unknown>;
  const name = typeof config['name'] === 'string' ? config['name'] : typeof node['name'] === 'string' ? (node['name'] as string) : '';
  // Checked before TF.js builds anything: layer weights are sized from the input shape, so a huge declared input
  // would allocate huge kernels even when the uploaded weights are small.
  const inputShape = config['batch_input_shape'];
  if ((entry || className === 'InputLayer') && inputShape !== undefined && !IMAGE_INPUTS.some((shape) => Array.isArray(inputShape) && sameShape(inputShape as Array<number | null>, shape))) {
    throw new InvalidModelError(`Layer "${name}" at ${where} declares input shape ${JSON.stringify(inputShape)}; expected [null,28,28,1] or [null,784]. Give the first layer inputShape [28, 28, 1] or [784].`);
  }
  out.push({ className, name, config });
  if (NESTED_MODEL_CLASSES.has(className)) {
    // Sequential configs are either { layers: [...] } or, in old files, the layer array itself.
    const children = Array.isArray(node['config']) ? (node['config'] as unknown[]) : config['layers'];
    if (!Array.isArray(children) || children.length === 0) throw new InvalidModelError(`${className} "${name}" at ${where} has no layers.`);
    children.forEach((child, i) => {
      if (typeof child !== 'object' || child === null) throw new InvalidModelError(`${where}.layers[${i}] is not an object.`);
      collectLayers(child as Record<string, unknown>, `${where}.layers[${i}]`, out, className === 'Sequential' && i === 0);
    });
  }
  return out;
}

function checkManifest(manifest: unknown): WeightSpec[] {
  if (!Array.isArray(manifest)) throw new InvalidModelError('model.json has no weightsManifest array; save the model with model.save or saveModel.');
  const specs: WeightSpec[] = [];
  const names = new Set<string>();
  manifest.forEach((group: unknown, g) => {
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights)) throw new InvalidModelError(`weightsManifest[${g}] has no weights array.`);
    weights.forEach((raw: unknown, w) => {
      const spec = raw as Partial<WeightSpec> | null;
      const where = `weightsManifest[${g}].weights[${w}]`;
      if (typeof spec?.name !== 'string' || names.has(spec.name)) throw new InvalidModelError(`${where} needs a unique string name.`);
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new InvalidModelError(`${where} ("${spec.name}") needs a shape of non-negative integers, got ${JSON.stringify(spec.shape)}.`);
      if (spec.dtype !== 'float32') throw new InvalidModelError(`Weight "${spec.name}" has dtype ${JSON.stringify(spec.dtype)}; expected "float32". Save without quantization.`);
      if (spec.quantization !== undefined) throw new InvalidModelError(`Weight "${spec.name}" is quantized; the grader accepts only unquantized float32 weights.`);
      if (elementCount(spec.shape) > MAX_WEIGHT_ELEMENTS) throw new InvalidModelError(`Weight "${spec.name}" has ${elementCount(spec.shape)} elements; at most ${MAX_WEIGHT_ELEMENTS} are accepted.`);
      names.add(spec.name);
      specs.push({ name: spec.name, shape: spec.shape, dtype: spec.dtype });
    });
  });
  return specs;
}

// TF.js allocates every layer's weights from its config before the manifest's values replace them, so a config
// that declares huge layers must be caught here: each size knob must match the uploaded weight's shape.
const SIZE_KNOBS: Record<string, Array<{ field: string; weight: string; dims: 'last' | 'kernel-size' }>> = {
  Dense: [{ field: 'units', weight: 'kernel', dims: 'last' }],
  Conv2D: [{ field: 'filters', weight: 'kernel', dims: 'last' }, { field: 'kernel_size', weight: 'kernel', dims: 'kernel-size' }],
  DepthwiseConv2D: [{ field: 'depth_multiplier', weight: 'depthwise_kernel', dims: 'last' }, { field: 'kernel_size', weight: 'depthwise_kernel', dims: 'kernel-size' }],
  SeparableConv2D: [
    { field: 'filters', weight: 'pointwise_kernel', dims: 'last' },
    { field: 'depth_multiplier', weight: 'depthwise_kernel', dims: 'last' },
    { field: 'kernel_size', weight: 'depthwise_kernel', dims: 'kernel-size' },
  ],
};

// Bounds on knobs that grow activations (not weights): padding a 28x28 image by more than 32 or upsampling by more than 4 only wastes memory.
const ACTIVATION_BOUNDS: Record<string, { field: string; max: number }> = {
  ZeroPadding2D: { field: 'padding', max: 32 },
  UpSampling2D: { field: 'size', max: 4 },
};

function checkDeclaredSizes(layers: TopologyLayer[], shapes: Map<string, number[]>): void {
  for (const layer of layers) {
    const bound = ACTIVATION_BOUNDS[layer.className];
    if (bound) {
      const values = [layer.config[bound.field]].flat(3);
      if (!values.every((value) => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= bound.max)) {
        throw new InvalidModelError(`${layer.className} layer "${layer.name}" has ${bound.field}=${JSON.stringify(layer.config[bound.field])}; each value must be an integer from 0 to ${bound.max}.`);
      }
    }
    for (const knob of SIZE_KNOBS[layer.className] ?? []) {
      const declared = layer.config[knob.field] ?? (knob.field === 'depth_multiplier' ? 1 : undefined);
      const shape = shapes.get(`${layer.name}/${knob.weight}`);
      if (!shape) throw new InvalidModelError(`${layer.className} layer "${layer.name}" has no weight "${layer.name}/${knob.weight}" in the manifest; model.json and the weights do not match.`);
      const want = knob.dims === 'last' ? [shape[shape.length - 1]] : shape.slice(0, 2);
      const got = typeof declared === 'number' ? (knob.dims === 'last' ? [declared] : [declared, declared]) : declared;
      if (!Array.isArray(got) || !sameShape(got as number[], want as number[])) {
        throw new InvalidModelError(`${layer.className} layer "${layer.name}" declares ${knob.field}=${JSON.stringify(declared)} but its weight has shape ${JSON.stringify(shape)}; model.json and the weights do not match.`);
      }
    }
  }
}

function elementCount(shape: number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}
