import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { inspect } from 'node:util';
import { ImageDataset } from '../../src/data/dataset.js';
import { compose, normalize, toTensor } from '../../src/data/transforms.js';

// Three images whose pixels are 0, 51 and 255, labelled 4, 2, 9.
function tiny(transform = toTensor(), note?: string): ImageDataset {
  const images = new Uint8Array(3 * 784);
  images.fill(51, 784, 2 * 784);
  images.fill(255, 2 * 784);
  return new ImageDataset({
    name: 'MNIST', images, labels: Uint8Array.of(4, 2, 9), split: 'Train', root: '/root/.cache/mnist-course',
    source: 'cache', location: '/root/.cache/mnist-course/MNIST/raw', classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    transform, note,
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ImageDataset', () => {
  it('has the length, sample shape and classes of its data', () => {
    const dataset = tiny();
    expect(dataset.length).toBe(3);
    expect(dataset.sampleShape).toEqual([28, 28, 1]);
    expect(dataset.numClasses).toBe(10);
  });

  it('gathers transformed samples and their labels in the order asked', () => {
    const { images, labels } = tiny().gather([2, 1, 2]);
    expect(images.length).toBe(3 * 784);
    expect([images[0], images[784], images[2 * 784 + 783]]).toEqual([1, Math.fround(0.2), 1]);
    expect(Array.from(labels)).toEqual([9, 2, 9]);
  });

  it('slices samples like Python, sharing memory', () => {
    const dataset = tiny();
    const tail = dataset.slice(1);
    expect(tail.length).toBe(2);
    expect(Array.from(tail.labels)).toEqual([2, 9]);
    expect(tail.images.buffer).toBe(dataset.images.buffer);
    expect(tail.gather([0]).images[0]).toBeCloseTo(0.2, 6);
    expect(dataset.slice(2, 99).length).toBe(1);
    expect(dataset.slice(5).length).toBe(0);
    expect(String(dataset.slice(0, 2))).toContain('Number of datapoints: 2');
  });

  it('rejects an index out of range', () => {
    expect(() => tiny().gather([3])).toThrow(/index 3 is out of range for a dataset of 3 samples/);
    expect(() => tiny().gather([1.5])).toThrow(RangeError);
  });

  it('returns sample i as a [28, 28, 1] float32 tensor that the caller disposes', () => {
    const before = tf.memory().numTensors;
    const { image, label } = tiny().get(1);
    expect(image.shape).toEqual([28, 28, 1]);
    expect(image.dtype).toBe('float32');
    expect(image.dataSync()[0]).toBeCloseTo(0.2, 6);
    expect(label).toBe(2);
    image.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints like torchvision', () => {
    const expected = [
      'Dataset MNIST',
      '    Number of datapoints: 3',
      '    Root location: /root/.cache/mnist-course',
      '    Split: Train',
      '    StandardTransform',
      'Transform: ToTensor()',
    ].join('\n');
    expect(tiny().toString()).toBe(expected);
    expect(inspect(tiny())).toBe(expected);
  });

  it('prints a Compose transform aligned under "Transform: "', () => {
    const text = tiny(compose([toTensor(), normalize([0.5], [0.5])])).toString();
    expect(text.split('\n').slice(4)).toEqual([
      '    StandardTransform',
      'Transform: Compose(',
      '               ToTensor()',
      '               Normalize(mean=(0.5,), std=(0.5,))',
      '           )',
    ]);
  });

  it('prints no transform lines without a transform, and gathers raw pixel values then', () => {
    const raw = tiny().withTransform(undefined);
    expect(raw.toString().split('\n')).toHaveLength(4);
    expect(raw.gather([2]).images[0]).toBe(255);
  });

  it('prints and describes its note when the split is not the official one', () => {
    const dataset = tiny(toTensor(), 'not the official split');
    expect(dataset.toString()).toContain('\n    Note: not the official split\n');
    expect(dataset.description).toBe('MNIST train split, 3 images, from cache /root/.cache/mnist-course/MNIST/raw; not the official split');
  });
});
