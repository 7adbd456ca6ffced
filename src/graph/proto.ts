// TensorFlow's GraphDef and SavedModel messages (the fields we write), encoded with protobufjs.
import protobuf from 'protobufjs';

/** The tensor element types our graphs use, as TensorFlow's DataType enum numbers them (types.proto). */
export const DATA_TYPES = { float32: 1, int32: 3, bool: 10, resource: 20 } as const;
export type GraphDType = keyof typeof DATA_TYPES;

/** A dimension of -1 is unknown (the batch); `null` is a shape of unknown rank. */
export type GraphShape = readonly number[] | null;

/** One attribute value of a node (attr_value.proto): exactly one field is set. */
export type AttrValue =
  | { type: GraphDType }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { s: string }
  | { shape: GraphShape }
  | { ints: readonly number[] }
  | { strings: readonly string[] }
  | { tensor: ConstTensor };

/** The value of a Const node: float32 or int32 values in row-major order. */
export interface ConstTensor {
  dtype: 'float32' | 'int32';
  shape: readonly number[];
  values: readonly number[] | Float32Array | Int32Array;
}

/** A node as we build it: inputs are "node", "node:k" or "^node" (a control dependency). */
export interface NodeDef {
  name: string;
  op: string;
  inputs: string[];
  attrs: Record<string, AttrValue>;
}

/**
 * The subset of tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape,versions}.proto and
 * tensorflow/core/protobuf/{saved_model,meta_graph}.proto that a SavedModel with only a graph needs; field numbers
 * are TensorFlow's. Fields we never set are left out (a decoder skips nothing, an encoder writes nothing for them).
 */
const SCHEMA = {
  nested: {
    SavedModel: { fields: { savedModelSchemaVersion: { type: 'int64', id: 1 }, metaGraphs: { rule: 'repeated', type: 'MetaGraphDef', id: 2 } } },
    MetaGraphDef: { fields: { metaInfoDef: { type: 'MetaInfoDef', id: 1 }, graphDef: { type: 'GraphDef', id: 2 } } },
    MetaInfoDef: { fields: { tags: { rule: 'repeated', type: 'string', id: 4 } } },
    GraphDef: { fields: { node: { rule: 'repeated', type: 'NodeDef', id: 1 }, versions: { type: 'VersionDef', id: 4 } } },
    VersionDef: { fields: { producer: { type: 'int32', id: 1 } } },
    NodeDef: {
      fields: {
        name: { type: 'string', id: 1 },
        op: { type: 'string', id: 2 },
        input: { rule: 'repeated', type: 'string', id: 3 },
        attr: { keyType: 'string', type: 'AttrValue', id: 5 },
      },
    },
    AttrValue: {
      // A oneof in attr_value.proto; declared so that default values (an empty string, 0, false) are still written.
      oneofs: { value: { oneof: ['list', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor'] } },
      fields: {
        list: { type: 'ListValue', id: 1 },
        s: { type: 'bytes', id: 2 },
        i: { type: 'int64', id: 3 },
        f: { type: 'float', id: 4 },
        b: { type: 'bool', id: 5 },
        type: { type: 'int32', id: 6 },
        shape: { type: 'TensorShapeProto', id: 7 },
        tensor: { type: 'TensorProto', id: 8 },
      },
    },
    ListValue: { fields: { s: { rule: 'repeated', type: 'bytes', id: 2 }, i: { rule: 'repeated', type: 'int64', id: 3 } } },
    TensorShapeProto: {
      fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } },
      nested: { Dim: { fields: { size: { type: 'int64', id: 1 } } } },
    },
    TensorProto: { fields: { dtype: { type: 'int32', id: 1 }, tensorShape: { type: 'TensorShapeProto', id: 2 }, tensorContent: { type: 'bytes', id: 4 } } },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const SavedModelType = root.lookupType('SavedModel');

/**
 * The GraphDef version our graphs claim: TensorFlow 2.9's TF_GRAPH_DEF_VERSION. Loading checks only that it lies
 * between the runtime's minimum consumer version and its own, so any 2.x from 2.9 on accepts it.
 */
export const GRAPH_DEF_PRODUCER = 1087;

/** The MetaGraph tag we save under and load by (the usual one for serving). */
export const SAVED_MODEL_TAG = 'serve';

function shapeMessage(shape: GraphShape): object {
  return shape === null ? { unknownRank: true } : { dim: shape.map((size) => ({ size })) };
}

function tensorMessage(tensor: ConstTensor): object {
  const data = tensor.dtype === 'float32' ? Float32Array.from(tensor.values) : Int32Array.from(tensor.values);
  // TensorFlow reads tensor_content as the host's raw bytes: little-endian on every platform tfjs-node ships for.
  return { dtype: DATA_TYPES[tensor.dtype], tensorShape: shapeMessage(tensor.shape), tensorContent: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function attrMessage(value: AttrValue): object {
  if ('type' in value) return { type: DATA_TYPES[value.type] };
  if ('s' in value) return { s: new TextEncoder().encode(value.s) };
  if ('shape' in value) return { shape: shapeMessage(value.shape) };
  if ('ints' in value) return { list: { i: [...value.ints] } };
  if ('strings' in value) return { list: { s: value.strings.map((text) => new TextEncoder().encode(text)) } };
  if ('tensor' in value) return { tensor: tensorMessage(value.tensor) };
  return value;
}

function nodeMessage(node: NodeDef): object {
  const attr: Record<string, object> = {};
  for (const [key, value] of Object.entries(node.attrs)) attr[key] = attrMessage(value);
  return { name: node.name, op: node.op, input: node.inputs, attr };
}

/** saved_model.pb for a SavedModel holding one MetaGraph (tag SAVED_MODEL_TAG) of `nodes`, and no variables to restore. */
export function encodeSavedModel(nodes: readonly NodeDef[]): Uint8Array {
  const graphDef = { node: nodes.map(nodeMessage), versions: { producer: GRAPH_DEF_PRODUCER } };
  const message = SavedModelType.fromObject({ savedModelSchemaVersion: 1, metaGraphs: [{ metaInfoDef: { tags: [SAVED_MODEL_TAG] }, graphDef }] });
  return SavedModelType.encode(message).finish();
}

/** The nodes back from saved_model.pb bytes (for tests: what TensorFlow will read). */
export function decodeSavedModel(bytes: Uint8Array): { tags: string[]; nodes: { name: string; op: string; input: string[]; attr: Record<string, unknown> }[] } {
  const message = SavedModelType.toObject(SavedModelType.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as {
    metaGraphs: { metaInfoDef: { tags: string[] }; graphDef: { node: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] } }[];
  };
  const meta = message.metaGraphs[0];
  if (meta === undefined) return { tags: [], nodes: [] };
  return { tags: meta.metaInfoDef.tags, nodes: meta.graphDef.node.map((n) => ({ name: n.name, op: n.op, input: n.input ?? [], attr: n.attr ?? {} })) };
}
