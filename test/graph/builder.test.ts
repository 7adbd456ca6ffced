// GraphBuilder: unique scoped names, shared constants, control dependencies, placeholders under their exact names.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import * as op from '../../src/graph/ops.js';

describe('GraphBuilder', () => {
  it('names nodes by op inside the current scope, with a suffix when a name repeats', () => {
    const g = new GraphBuilder();
    const x = g.placeholder('x', 'float32', [-1, 3]);
    const names = g.within('1.conv1', () => [op.relu(g, x), op.relu(g, x), g.within('inner', () => op.neg(g, x))]);
    expect(names).toEqual(['1.conv1/Relu', '1.conv1/Relu_1', '1.conv1/inner/Neg']);
    expect(op.relu(g, x)).toBe('Relu');
  });

  it('replaces characters TensorFlow does not allow in node names', () => {
    const g = new GraphBuilder();
    expect(g.within('a b,c', () => g.add('NoOp', []))).toBe('a_b_c/NoOp');
  });

  it('makes equal small constants once and keeps large ones apart', () => {
    const g = new GraphBuilder();
    expect(g.ints([0, 1])).toBe(g.ints([0, 1]));
    expect(g.ints([0, 1])).not.toBe(g.ints([0, 1], [1, 2]));
    const big = Array.from({ length: 40 }, (_, i) => i);
    expect(g.constant({ dtype: 'float32', shape: [40], values: big })).not.toBe(g.constant({ dtype: 'float32', shape: [40], values: big }));
  });

  it('writes control dependencies after the data inputs, and output k as name:k', () => {
    const g = new GraphBuilder();
    const a = g.add('NoOp', [], {}, { name: 'first' });
    const b = g.add('Identity', ['x:1'], { T: { type: 'float32' } }, { after: [a] });
    expect(g.nodes.at(-1)).toEqual({ name: b, op: 'Identity', inputs: ['x:1', '^first'], attrs: { T: { type: 'float32' } } });
    expect(g.output(b, 0)).toBe(b);
    expect(g.output(b, 2)).toBe(`${b}:2`);
  });

  it('keeps placeholders under their exact names and refuses a second node of that name', () => {
    const g = new GraphBuilder();
    g.within('scope', () => g.placeholder('images', 'float32', [-1, 784]));
    expect(g.nodes[0]?.name).toBe('images');
    expect(() => g.placeholder('images', 'int32', [-1])).toThrow(/already named 'images'/);
  });

  it('folds explicit convolution padding into the Conv2D attrs, and none means VALID', () => {
    const g = new GraphBuilder();
    op.conv2d(g, 'x', 'w', { stride: 2, padding: [1, 1, 1, 1] });
    op.conv2d(g, 'x', 'w', { stride: 1, padding: [0, 0, 0, 0] });
    const [padded, valid] = g.nodes.slice(-2);
    expect(padded?.attrs).toMatchObject({ padding: { s: 'EXPLICIT' }, explicit_paddings: { ints: [0, 0, 1, 1, 1, 1, 0, 0] }, strides: { ints: [1, 2, 2, 1] } });
    expect(valid?.attrs.padding).toEqual({ s: 'VALID' });
    expect(valid?.attrs.explicit_paddings).toBeUndefined();
  });
});
