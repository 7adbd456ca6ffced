// A tf.layers model's training forward and backward as one graph: its layer calls in order, gradients summed back.
import type * as tf from '@tensorflow/tfjs';
import type { Ref } from './builder.js';
import * as op from './ops.js';
import { lowerLayer, UnsupportedLayerError, zeroPaddingOf, type LayerContext, type LoweredLayer } from './layers.js';

/** One call of a layer: the symbolic tensors it took and made (a shared layer is called more than once). */
interface Call {
  layer: tf.layers.Layer;
  inputs: tf.SymbolicTensor[];
  output: tf.SymbolicTensor;
  padding?: readonly [number, number, number, number];
}

/** How many calls take each symbolic tensor as input, over everything the model's output depends on. */
function consumers(output: tf.SymbolicTensor): Map<number, number> {
  const counts = new Map<number, number>();
  const seen = new Set<number>();
  const visit = (t: tf.SymbolicTensor): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const input of t.inputs ?? []) {
      counts.set(input.id, (counts.get(input.id) ?? 0) + 1);
      visit(input);
    }
  };
  visit(output);
  return counts;
}

/**
 * The model's layer calls in an order where each comes after the calls that make its inputs, from the one input
 * to the one output. A ZeroPadding2D whose only consumer is a Conv2D is folded into it (TF pads inside Conv2D).
 */
function callsOf(model: tf.LayersModel): { input: tf.SymbolicTensor; output: tf.SymbolicTensor; calls: Call[] } {
  const [input, output, ...more] = [model.inputs[0], model.outputs[0], ...model.inputs.slice(1), ...model.outputs.slice(1)];
  if (input === undefined || output === undefined || more.length > 0) throw new UnsupportedLayerError('the model must have exactly one input and one output');
  const uses = consumers(output);
  const calls: Call[] = [];
  const done = new Set<number>([input.id]);
  const visit = (t: tf.SymbolicTensor): void => {
    if (done.has(t.id)) return;
    const layer = t.sourceLayer as tf.layers.Layer;
    if (layer.getClassName() === 'InputLayer') throw new UnsupportedLayerError(`input '${layer.name}' is not the model's input`);
    let inputs = t.inputs;
    let padding: Call['padding'];
    const source = inputs[0];
    if (layer.getClassName() === 'Conv2D' && inputs.length === 1 && source !== undefined && uses.get(source.id) === 1) {
      padding = zeroPaddingOf(source.sourceLayer as tf.layers.Layer);
      if (padding !== undefined) inputs = source.inputs;
    }
    for (const i of inputs) visit(i);
    calls.push({ layer, inputs, output: t, ...(padding === undefined ? {} : { padding }) });
    done.add(t.id);
  };
  visit(output);
  return { input, output, calls };
}

/** The model's output in the graph, and how to get its weights' gradients from the output's. */
export interface ModelGraph {
  output: Ref;
  /** Static shape of the output (null for the batch). */
  outputShape: (number | null)[];
  /** Gradients of every weight the output depends on, given d output; a weight used twice gets the sum. */
  backward(dOutput: Ref): Map<tf.LayerVariable, Ref>;
}

/**
 * Lowers `model` called on `images` in training mode. `trained` says which weights are trained (only inputs that
 * depend on one get gradients). Throws UnsupportedLayerError for a layer or setting it does not handle.
 */
export function lowerModel(ctx: LayerContext, model: tf.LayersModel, images: Ref, trained: (weight: tf.LayerVariable) => boolean): ModelGraph {
  const { input, output, calls } = callsOf(model);
  const values = new Map<number, Ref>([[input.id, images]]);
  const needsGradient = new Map<number, boolean>([[input.id, false]]);
  const lowered: { call: Call; layer: LoweredLayer }[] = [];
  for (const call of calls) {
    const inputRefs = call.inputs.map((t) => values.get(t.id) as Ref);
    const inputGradients = call.inputs.map((t) => needsGradient.get(t.id) === true);
    const layer = lowerLayer(ctx, {
      layer: call.layer,
      inputs: inputRefs,
      inputGradients,
      inputShapes: call.inputs.map((t) => t.shape),
      outputShape: call.output.shape,
      ...(call.padding === undefined ? {} : { padding: call.padding }),
    });
    values.set(call.output.id, layer.output);
    needsGradient.set(call.output.id, inputGradients.some(Boolean) || call.layer.weights.some(trained));
    lowered.push({ call, layer });
  }
  return {
    output: values.get(output.id) as Ref,
    outputShape: output.shape,
    backward(dOutput) {
      const { g } = ctx;
      const pending = new Map<number, Ref[]>([[output.id, [dOutput]]]);
      const weightGradients = new Map<tf.LayerVariable, Ref[]>();
      for (const { call, layer } of [...lowered].reverse()) {
        const upstream = pending.get(call.output.id);
        if (upstream === undefined || needsGradient.get(call.output.id) !== true) continue;
        const gradients = g.within(`${call.layer.name}_grad`, () => layer.backward(op.addN(g, upstream)));
        gradients.inputs.forEach((gradient, i) => {
          const t = call.inputs[i];
          if (gradient === undefined || t === undefined || needsGradient.get(t.id) !== true) return;
          pending.set(t.id, [...(pending.get(t.id) ?? []), gradient]);
        });
        for (const [weight, gradient] of gradients.weights) {
          if (trained(weight)) weightGradients.set(weight, [...(weightGradients.get(weight) ?? []), gradient]);
        }
      }
      return new Map([...weightGradients].map(([weight, refs]) => [weight, op.addN(g, refs)]));
    },
  };
}
