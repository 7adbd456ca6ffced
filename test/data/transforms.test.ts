import { describe, expect, it } from 'vitest';
import { compose, lookupTable, normalize, oneHot, toTensor } from '../../src/data/transforms.js';

describe('toTensor', () => {
  it('maps 0..255 to [0, 1] and prints like torchvision', () => {
    expect(Array.from(toTensor().apply(Float32Array.of(0, 51, 255)))).toEqual([0, Math.fround(0.2), 1]);
    expect(String(toTensor())).toBe('ToTensor()');
  });
});

describe('normalize', () => {
  it('computes (x - mean) / std and prints mean and std as given', () => {
    expect(Array.from(normalize([0.5], [0.5]).apply(Float32Array.of(0, 0.5, 1)))).toEqual([-1, 0, 1]);
    expect(String(normalize([0.5], [0.5]))).toBe('Normalize(mean=(0.5,), std=(0.5,))');
    expect(String(normalize(0, 1))).toBe('Normalize(mean=0, std=1)');
  });

  it('refuses more than one channel and a zero std', () => {
    expect(() => normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])).toThrow(/one channel, so mean needs one value; got 3/);
    expect(() => normalize(0, 0)).toThrow(/std must not be 0/);
  });
});

describe('compose', () => {
  it('applies the steps in order and prints them on indented lines', () => {
    const transform = compose([toTensor(), normalize([0.5], [0.5])]);
    expect(Array.from(transform.apply(Float32Array.of(0, 255)))).toEqual([-1, 1]);
    expect(String(transform)).toBe('Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)');
  });
});

describe('lookupTable', () => {
  it('is the transform of every byte value, or the identity without a transform', () => {
    expect(lookupTable().length).toBe(256);
    expect(lookupTable()[200]).toBe(200);
    const table = lookupTable(compose([toTensor(), normalize([0.1307], [0.3081])]));
    expect(table[255]).toBeCloseTo((1 - 0.1307) / 0.3081, 6);
  });
});

describe('oneHot', () => {
  it('sets one 1 per row and rejects labels out of range', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow(/label 3 is not in 0\.\.2/);
  });
});
