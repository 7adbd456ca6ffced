// Describing a model: parameter count, the Keras summary as text, and a PyTorch-style printout.
import * as tf from '@tensorflow/tfjs';
import { FORWARD_SEGMENT } from './layers.js';

/**
 * userDefinedMetadata key giving, by module path, the PyTorch class of a container ({ "1": "ResBlock" }) or the
 * whole printout of a leaf ({ "1.relu": "ReLU(inplace=True)" }) where the tf.layers config cannot tell.
 * Containers without an entry print as "Sequential" when their children are numbered, else as "Module".
 */
export const TORCH_MODULES_KEY = 'torchModules';

/**
 * The trainable variables, in layer order: what `model.parameters()` gives in PyTorch.
 * The variables belong to the model (do not dispose them).
 */
export function parameters(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/**
 * Number of trainable parameters, as `sum(p.numel() for p in model.parameters())`.
 * With `{ trainableOnly: false }` it also counts BatchNorm's running mean and variance (PyTorch's buffers).
 */
export function parameterCount(model: tf.LayersModel, options: { trainableOnly?: boolean } = {}): number {
  const weights = options.trainableOnly === false ? model.weights : model.trainableWeights;
  return weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** tfjs's `model.summary()` table as a string instead of console output. */
export function summary(model: tf.LayersModel): string {
  const lines: string[] = [];
  model.summary(undefined, undefined, (line?: unknown) => lines.push(String(line ?? '')));
  return lines.join('\n');
}

/** Formats a float as Python's repr does for the values in module printouts (1e-05, 0.1, 1.0). */
function pyFloat(x: number): string {
  if (Number.isInteger(x)) return `${x}.0`;
  if (Math.abs(x) < 1e-4) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(Number(x.toPrecision(12)));
}

const pyBool = (b: unknown): string => (b ? 'True' : 'False');
const pair = (v: unknown): string => {
  const [a, b] = Array.isArray(v) ? v : [v, v];
  return `(${a}, ${b})`;
};

/** The symmetric padding of a ZeroPadding2D feeding this layer, if there is one. */
function foldedPadding(layer: tf.layers.Layer): number[] | undefined {
  const source = layer.inboundNodes[0]?.inboundLayers[0];
  if (source?.getClassName() !== 'ZeroPadding2D') return undefined;
  const padding = source.getConfig()['padding'] as number[][];
  return padding.map((p) => p[0] as number);
}

function activationRepr(name: string): string {
  const known: Record<string, string> = {
    relu: 'ReLU()',
    log_softmax: 'LogSoftmax(dim=1)',
    logSoftmax: 'LogSoftmax(dim=1)',
    softmax: 'Softmax(dim=1)',
    sigmoid: 'Sigmoid()',
    tanh: 'Tanh()',
    linear: 'Identity()',
  };
  return known[name] ?? `Activation(${name})`;
}

/** One layer as the PyTorch module it stands for. */
function layerRepr(layer: tf.layers.Layer): string {
  const config = layer.getConfig();
  const weightShape = (i: number): number[] => (layer.weights[i]?.shape ?? []) as number[];
  switch (layer.getClassName()) {
    case 'Dense': {
      const activation = config['activation'] === 'linear' ? '' : `, activation=${String(config['activation'])}`;
      return `Linear(in_features=${weightShape(0)[0]}, out_features=${config['units']}, bias=${pyBool(config['useBias'])}${activation})`;
    }
    case 'Conv2D': {
      const [, , inChannels] = weightShape(0);
      const padding = foldedPadding(layer);
      const paddingText = padding ? `, padding=${pair(padding)}` : config['padding'] === 'same' ? ", padding='same'" : '';
      const bias = config['useBias'] ? '' : ', bias=False';
      return `Conv2d(${inChannels}, ${config['filters']}, kernel_size=${pair(config['kernelSize'])}, stride=${pair(config['strides'])}${paddingText}${bias})`;
    }
    case 'BatchNormalization': {
      const kind = layer.inputSpec?.[0]?.ndim === 4 ? '2d' : '1d';
      const momentum = pyFloat(1 - (config['momentum'] as number));
      return `BatchNorm${kind}(${weightShape(0)[0]}, eps=${pyFloat(config['epsilon'] as number)}, momentum=${momentum}, affine=True, track_running_stats=True)`;
    }
    case 'ReLU':
      return 'ReLU()';
    case 'Activation':
      return activationRepr(String(config['activation']));
    case 'Softmax':
      return 'Softmax(dim=1)';
    case 'Flatten':
      return 'Flatten(start_dim=1, end_dim=-1)';
    case 'AveragePooling2D':
      return `AvgPool2d(kernel_size=${(config['poolSize'] as number[])[0]}, stride=${(config['strides'] as number[])[0]}, padding=0)`;
    case 'MaxPooling2D':
      return `MaxPool2d(kernel_size=${(config['poolSize'] as number[])[0]}, stride=${(config['strides'] as number[])[0]}, padding=0, dilation=1, ceil_mode=False)`;
    case 'Dropout':
      return `Dropout(p=${pyFloat(config['rate'] as number)}, inplace=False)`;
    default:
      return `${layer.getClassName()}()`;
  }
}

interface ModuleNode {
  children: Map<string, ModuleNode>;
  layer?: tf.layers.Layer;
}

/** Layers that are PyTorch modules, arranged by their dotted names into the module tree. */
function moduleTree(model: tf.LayersModel): ModuleNode {
  const root: ModuleNode = { children: new Map() };
  for (const layer of model.layers) {
    const path = layer.name.split('.');
    const className = layer.getClassName();
    if (className === 'InputLayer' || className === 'ZeroPadding2D' || path.includes(FORWARD_SEGMENT)) continue;
    let node = root;
    for (const segment of path) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = { children: new Map() }));
      node = child;
    }
    node.layer = layer;
  }
  return root;
}

function nodeRepr(node: ModuleNode, name: string, path: string, classes: Record<string, string>): string {
  if (node.layer && node.children.size === 0) return classes[path] ?? layerRepr(node.layer);
  const keys = [...node.children.keys()];
  const className = classes[path] ?? (path === '' ? name : keys.every((k) => /^\d+$/.test(k)) ? 'Sequential' : 'Module');
  if (keys.length === 0) return `${className}()`;
  const lines = keys.map((key) => {
    const child = nodeRepr(node.children.get(key) as ModuleNode, name, path === '' ? key : `${path}.${key}`, classes);
    return `  (${key}): ${child.split('\n').join('\n  ')}`;
  });
  return `${className}(\n${lines.join('\n')}\n)`;
}

/**
 * The model printed as PyTorch's `print(model)` would print the module it reproduces.
 * @example console.log(torchRepr(createMlp()))
 * // Sequential(
 * //   (0): Linear(in_features=784, out_features=128, bias=True)
 * //   (1): ReLU()
 * //   ...
 */
export function torchRepr(model: tf.LayersModel): string {
  const metadata = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
  const classes = (metadata[TORCH_MODULES_KEY] ?? {}) as Record<string, string>;
  return nodeRepr(moduleTree(model), model.name, '', classes);
}
