import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { digestOf } from '../../src/data/checksum.js';
import { ChecksumError, DatasetError, DownloadError, IdxFormatError } from '../../src/data/errors.js';
import { encodeIdx } from '../../src/data/idx.js';
import { type SplitFiles, decodeSplit, downloadSplit, readSplit, storedName } from '../../src/data/split-files.js';
import { type LocalServer, serveFiles } from './local-server.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

// Three 28 x 28 images whose pixels are their index, and their labels.
const imageBytes = encodeIdx({ dtype: 'uint8', shape: [3, 28, 28], data: Uint8Array.from({ length: 3 * 784 }, (_, i) => Math.floor(i / 784)) });
const labelBytes = encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(7, 0, 9) });
const where = { imagesPath: 'img.idx', labelsPath: 'lab.idx', numClasses: 10 };
// One file kept decompressed (sha256 recorded), one kept as published .gz (only its md5 recorded).
const labelsGz = gzipSync(labelBytes);
const files: SplitFiles = {
  images: { name: 'tiny-images-idx3-ubyte', sha256: digestOf(imageBytes, 'sha256') },
  labels: { name: 'tiny-labels-idx1-ubyte', gzMd5: digestOf(labelsGz, 'md5') },
};

describe('decodeSplit', () => {
  it('returns the pixels and labels of a consistent pair', () => {
    const split = decodeSplit(imageBytes, labelBytes, where);
    expect(split.count).toBe(3);
    expect(Array.from(split.labels)).toEqual([7, 0, 9]);
    expect(split.images[784 * 2]).toBe(2);
  });

  it('names both files when the image and label counts differ', () => {
    const twoLabels = encodeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(1, 2) });
    expect(() => decodeSplit(imageBytes, twoLabels, where)).toThrow(DatasetError);
    expect(() => decodeSplit(imageBytes, twoLabels, where)).toThrow(/^img\.idx has 3 images but lab\.idx has 2 labels; the two files must come from the same split/);
  });

  it('says when the images file is really a labels file', () => {
    expect(() => decodeSplit(labelBytes, labelBytes, where)).toThrow(IdxFormatError);
    expect(() => decodeSplit(labelBytes, labelBytes, where)).toThrow(/^img\.idx: magic number is 2049 \(that of a labels file\), expected 2051 for images/);
  });

  it('rejects images that are not 28 x 28', () => {
    const small = encodeIdx({ dtype: 'uint8', shape: [3, 8, 8], data: new Uint8Array(192) });
    expect(() => decodeSplit(small, labelBytes, where)).toThrow(/img\.idx: images are 8 x 8, expected 28 x 28/);
  });

  it('rejects a label outside 0..numClasses-1', () => {
    const bad = encodeIdx({ dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 12, 3) });
    expect(() => decodeSplit(imageBytes, bad, where)).toThrow(/lab\.idx: label 1 is 12, expected 0 to 9/);
  });
});

describe('readSplit', () => {
  it('is undefined when a file is missing, and reads a verified pair', async () => {
    const folder = await tempFolder('split-read-');
    expect(await readSplit(folder, files, 10)).toBeUndefined();
    await writeFile(join(folder, storedName(files.images)), imageBytes);
    expect(await readSplit(folder, files, 10)).toBeUndefined();
    await writeFile(join(folder, storedName(files.labels)), labelsGz);
    expect(storedName(files.labels)).toBe('tiny-labels-idx1-ubyte.gz');
    expect(Array.from((await readSplit(folder, files, 10))?.labels ?? [])).toEqual([7, 0, 9]);
  });

  it('throws a ChecksumError naming a corrupt file and saying to delete it', async () => {
    const folder = await tempFolder('split-corrupt-');
    const corrupt = Uint8Array.from(imageBytes);
    corrupt[100] = 255;
    await writeFile(join(folder, storedName(files.images)), corrupt);
    await writeFile(join(folder, storedName(files.labels)), labelsGz);
    const path = join(folder, 'tiny-images-idx3-ubyte');
    await expect(readSplit(folder, files, 10)).rejects.toThrow(ChecksumError);
    await expect(readSplit(folder, files, 10)).rejects.toThrow(`${path}: sha256 is ${digestOf(corrupt, 'sha256')}, expected ${files.images.sha256}`);
    await expect(readSplit(folder, files, 10)).rejects.toThrow(`Delete ${path} and load again`);
  });
});

describe('downloadSplit from a local mirror on 127.0.0.1', () => {
  let good: LocalServer;
  let corrupt: LocalServer;
  let truncated: LocalServer;

  beforeAll(async () => {
    const badImages = Uint8Array.from(imageBytes);
    badImages[500] = 255 - (badImages[500] ?? 0);
    good = await serveFiles({ 'tiny-images-idx3-ubyte.gz': gzipSync(imageBytes), 'tiny-labels-idx1-ubyte.gz': labelsGz });
    corrupt = await serveFiles({ 'tiny-images-idx3-ubyte.gz': gzipSync(badImages), 'tiny-labels-idx1-ubyte.gz': labelsGz });
    truncated = await serveFiles({ 'tiny-images-idx3-ubyte.gz': gzipSync(imageBytes).subarray(0, 40) });
  });
  afterAll(async () => Promise.all([good, corrupt, truncated].map((server) => server.close())));

  it('keeps a verified file decompressed when its sha256 is recorded, the other as published, and leaves no temporary file', async () => {
    const folder = await tempFolder('split-download-');
    const urls = await downloadSplit(folder, files, [good.url]);
    expect(urls).toEqual([`${good.url}tiny-images-idx3-ubyte.gz`, `${good.url}tiny-labels-idx1-ubyte.gz`]);
    expect((await readdir(folder)).sort()).toEqual(['tiny-images-idx3-ubyte', 'tiny-labels-idx1-ubyte.gz']);
    expect((await readSplit(folder, files, 10))?.count).toBe(3);
    expect(await downloadSplit(folder, files, [good.url])).toEqual([]);
  });

  it('rejects a download that fails its checksum and writes nothing', async () => {
    const folder = await tempFolder('split-reject-');
    const attempt = downloadSplit(folder, files, [corrupt.url], 'Try another mirror.');
    await expect(attempt).rejects.toThrow(DownloadError);
    await expect(downloadSplit(folder, files, [corrupt.url], 'Try another mirror.')).rejects.toThrow(/\nTry another mirror\.$/);
    await expect(downloadSplit(folder, files, [corrupt.url])).rejects.toThrow(
      new RegExp(`${corrupt.url}tiny-images-idx3-ubyte\\.gz: .*sha256 is [0-9a-f]{64}, expected ${files.images.sha256}.*The download was rejected and nothing was written`));
    expect(await readdir(folder)).toEqual([]);
  });

  it('rejects a truncated download and writes nothing', async () => {
    const folder = await tempFolder('split-truncated-');
    await expect(downloadSplit(folder, files, [truncated.url])).rejects.toThrow(/does not decompress/);
    expect(await readdir(folder)).toEqual([]);
  });

  it('falls back to the next mirror when one fails', async () => {
    const folder = await tempFolder('split-fallback-');
    const urls = await downloadSplit(folder, files, [corrupt.url, good.url]);
    expect(urls[0]).toBe(`${good.url}tiny-images-idx3-ubyte.gz`);
    expect((await readSplit(folder, files, 10))?.count).toBe(3);
  });
});
