// saved_model.pb as TensorFlow reads it: nodes, inputs, attrs of every kind, the MetaGraph tag and GraphDef version.
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, decodeSavedModel, encodeSavedModel, SAVED_MODEL_TAG, type NodeDef } from '../../src/graph/proto.js';

const NODES: NodeDef[] = [
  { name: 'x', op: 'Placeholder', inputs: [], attrs: { dtype: { type: 'float32' }, shape: { shape: [-1, 784] } } },
  { name: 'scale', op: 'Const', inputs: [], attrs: { dtype: { type: 'float32' }, value: { tensor: { dtype: 'float32', shape: [2], values: [0.5, -2] } } } },
  { name: 'v', op: 'VarHandleOp', inputs: [], attrs: { dtype: { type: 'float32' }, shape: { shape: [] }, shared_name: { s: 'v0' }, container: { s: '' } } },
  { name: 'pad', op: 'Conv2D', inputs: ['x', 'scale:0', '^v'], attrs: { strides: { ints: [1, 2, 2, 1] }, use_cudnn_on_gpu: { b: false }, epsilon: { f: 0.25 }, N: { i: 0 }, fused_ops: { strings: ['BiasAdd', 'Relu'] } } },
];

describe('encodeSavedModel', () => {
  const decoded = decodeSavedModel(encodeSavedModel(NODES));

  it('writes one MetaGraph under the serving tag with the nodes in order, inputs and control inputs kept', () => {
    expect(decoded.tags).toEqual([SAVED_MODEL_TAG]);
    expect(decoded.nodes.map((n) => [n.name, n.op, n.input])).toEqual([
      ['x', 'Placeholder', []],
      ['scale', 'Const', []],
      ['v', 'VarHandleOp', []],
      ['pad', 'Conv2D', ['x', 'scale:0', '^v']],
    ]);
  });

  it('writes types as DataType numbers and shapes with -1 for an unknown dimension', () => {
    expect(decoded.nodes[0]?.attr).toEqual({ dtype: { type: DATA_TYPES.float32 }, shape: { shape: { dim: [{ size: -1 }, { size: 784 }] } } });
    expect(decoded.nodes[2]?.attr.shape).toEqual({ shape: {} });
  });

  it('writes attrs that hold their type\'s default (an empty string, false, 0), which TensorFlow needs present, and lists of ints and strings', () => {
    const { container, shared_name: sharedName } = decoded.nodes[2]?.attr as Record<string, { s: number[] }>;
    expect(container).toEqual({ s: [] });
    expect(sharedName).toEqual({ s: [...new TextEncoder().encode('v0')] });
    expect(decoded.nodes[3]?.attr).toEqual({
      strides: { list: { i: [1, 2, 2, 1] } }, use_cudnn_on_gpu: { b: false }, epsilon: { f: 0.25 }, N: { i: 0 },
      fused_ops: { list: { s: ['BiasAdd', 'Relu'].map((op) => [...new TextEncoder().encode(op)]) } },
    });
  });

  it('writes a constant as its float32 bytes, little-endian', () => {
    const tensor = (decoded.nodes[1]?.attr.value as { tensor: { dtype: number; tensorShape: object; tensorContent: number[] } }).tensor;
    expect(tensor.dtype).toBe(DATA_TYPES.float32);
    expect(tensor.tensorShape).toEqual({ dim: [{ size: 2 }] });
    expect(Array.from(new Float32Array(Uint8Array.from(tensor.tensorContent).buffer))).toEqual([0.5, -2]);
  });
});
