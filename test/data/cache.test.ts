import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultDataRoot, fileExists, writeFileAtomic } from '../../src/data/cache.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

describe('defaultDataRoot', () => {
  it('prefers MNIST_COURSE_DATA, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultDataRoot({ MNIST_COURSE_DATA: '/data/mnist', XDG_CACHE_HOME: '/xdg' })).toBe('/data/mnist');
    expect(defaultDataRoot({ XDG_CACHE_HOME: '/xdg' })).toBe(join('/xdg', 'mnist-course'));
    expect(defaultDataRoot({})).toBe(join(homedir(), '.cache', 'mnist-course'));
  });
});

describe('writeFileAtomic', () => {
  it('creates the folder, writes the bytes and leaves no temporary file', async () => {
    const folder = await tempFolder('cache-test-');
    const path = join(folder, 'deep', 'file.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    await writeFileAtomic(path, Uint8Array.of(4, 5));
    expect(Array.from(await readFile(path))).toEqual([4, 5]);
    expect(await readdir(join(folder, 'deep'))).toEqual(['file.bin']);
  });

  it('removes its temporary file when the rename fails', async () => {
    const folder = await tempFolder('cache-fail-');
    await writeFileAtomic(join(folder, 'taken', 'x'), Uint8Array.of(1));
    // Renaming a file onto a non-empty folder fails.
    await expect(writeFileAtomic(join(folder, 'taken'), Uint8Array.of(2))).rejects.toThrow();
    expect(await readdir(folder)).toEqual(['taken']);
  });
});

describe('fileExists', () => {
  it('tells an existing file from a missing one', async () => {
    const folder = await tempFolder('cache-exists-');
    await writeFileAtomic(join(folder, 'a'), Uint8Array.of(1));
    expect(await fileExists(join(folder, 'a'))).toBe(true);
    expect(await fileExists(join(folder, 'b'))).toBe(false);
  });
});
