// Building a TensorFlow graph node by node: unique names, placeholders, shared constants, control dependencies.
import type { AttrValue, ConstTensor, GraphDType, GraphShape, NodeDef } from './proto.js';

/** One output of a node: "name" (output 0) or "name:k". */
export type Ref = string;

/** What TensorFlow allows in a node name (after the first character), so layer names can scope nodes. */
const NAME_UNSAFE = /[^A-Za-z0-9_.\-/]/g;

/** Options of GraphBuilder.add. */
export interface AddOptions {
  /** Name of the node (made unique with a suffix); default the op type, inside the current scope. */
  name?: string;
  /** Nodes that must run first (control dependencies), e.g. variable updates before a fetched output. */
  after?: readonly string[];
}

/**
 * A graph under construction. Nodes are only appended, so the graph stays in the order it was built (every input
 * defined before it is used) and reads like the forward and backward pass that made it.
 */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, Ref>();
  private scope = '';

  /** Runs `build` with node names prefixed by `scope/` (a layer's name, say), and returns its result. */
  within<T>(scope: string, build: () => T): T {
    const outer = this.scope;
    this.scope = `${outer}${scope.replace(NAME_UNSAFE, '_')}/`;
    try {
      return build();
    } finally {
      this.scope = outer;
    }
  }

  /** Appends a node; returns its name, which is also the Ref of its first output. */
  add(op: string, inputs: readonly Ref[], attrs: Record<string, AttrValue> = {}, options: AddOptions = {}): string {
    // TensorFlow rejects names starting with '_' (internal ops' names do).
    const name = this.uniqueName(`${this.scope}${(options.name ?? op).replace(NAME_UNSAFE, '_').replace(/^_+/, '')}`);
    const control = (options.after ?? []).map((node) => `^${node}`);
    this.nodes.push({ name, op, inputs: [...inputs, ...control], attrs });
    return name;
  }

  /** Output `index` of node `name`. */
  output(name: string, index: number): Ref {
    return index === 0 ? name : `${name}:${index}`;
  }

  /** A graph input fed at every run, under exactly `name` (no scope, no suffix: callers feed it by that name). */
  placeholder(name: string, dtype: GraphDType, shape: GraphShape): Ref {
    if (this.used.has(name)) throw new Error(`GraphBuilder: a node is already named '${name}'.`);
    this.used.add(name);
    this.nodes.push({ name, op: 'Placeholder', inputs: [], attrs: { dtype: { type: dtype }, shape: { shape } } });
    return name;
  }

  /** A Const node; equal small constants (shapes, axes, scalars) are made once and shared. */
  constant(tensor: ConstTensor): Ref {
    const key = tensor.values.length <= 16 ? `${tensor.dtype}[${tensor.shape.join(',')}]${Array.from(tensor.values).join(',')}` : undefined;
    const known = key === undefined ? undefined : this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.uniqueName(`const/${tensor.dtype}`);
    this.nodes.push({ name, op: 'Const', inputs: [], attrs: { dtype: { type: tensor.dtype }, value: { tensor } } });
    if (key !== undefined) this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): Ref {
    return this.constant({ dtype: 'float32', shape: [], values: [value] });
  }

  /** An int32 vector constant (shapes, axes, paddings as a [n, 2] matrix when `shape` says so). */
  ints(values: readonly number[], shape: readonly number[] = [values.length]): Ref {
    return this.constant({ dtype: 'int32', shape, values });
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}
