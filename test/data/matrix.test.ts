import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Uint8Matrix } from '../../src/data/matrix.js';

// 4 rows x 2 columns: row r holds r * 10 and r * 10 + 1.
const matrix = new Uint8Matrix(Uint8Array.of(0, 1, 10, 11, 20, 21, 30, 31), [4, 2], 1 / 256);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Uint8Matrix', () => {
  it('checks that the bytes fill the shape', () => {
    expect(() => new Uint8Matrix(new Uint8Array(5), [2, 3])).toThrow(/needs 6 bytes, got 5/);
  });

  it('slices rows like Python, as views', () => {
    expect(matrix.slice(1, 3).shape).toEqual([2, 2]);
    expect(matrix.slice(3).shape).toEqual([1, 2]);
    expect(matrix.slice(9).shape).toEqual([0, 2]);
    expect(matrix.slice(1).data.buffer).toBe(matrix.data.buffer);
  });

  it('reads rows scaled to floats', () => {
    expect(Array.from(matrix.row(2))).toEqual([20 / 256, 21 / 256]);
    expect(Array.from(matrix.slice(2).gather([1, 0]))).toEqual([30 / 256, 31 / 256, 20 / 256, 21 / 256]);
    expect(() => matrix.row(4)).toThrow(RangeError);
  });

  it('makes a [rows, cols] float32 tensor that the caller disposes', () => {
    const tensor = matrix.toTensor();
    expect(tensor.shape).toEqual([4, 2]);
    expect(tensor.dataSync()[7]).toBe(31 / 256);
    tensor.dispose();
    expect(String(matrix)).toBe('Uint8Matrix [4, 2] x 0.00390625');
  });
});
