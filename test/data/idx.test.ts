import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IdxFormatError } from '../../src/data/errors.js';
import {
  IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, decodeIdx, encodeIdx, idxMagic, isGzip, readIdxFile, writeIdxFile,
} from '../../src/data/idx.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

// A 2 x 2 x 3 "image file" small enough to check by hand.
const images = { dtype: 'uint8', shape: [2, 2, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) } as const;

function header(magic: number, ...dims: number[]): number[] {
  const be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return [...be(magic), ...dims.flatMap(be)];
}

describe('IDX constants', () => {
  it('derives the MNIST magic numbers from dtype uint8 and the number of dimensions', () => {
    expect(idxMagic('uint8', 3)).toBe(IDX_IMAGES_MAGIC);
    expect(idxMagic('uint8', 1)).toBe(IDX_LABELS_MAGIC);
    expect(IDX_IMAGES_MAGIC).toBe(2051);
    expect(IDX_LABELS_MAGIC).toBe(2049);
  });
});

describe('encodeIdx and decodeIdx', () => {
  it('write the big-endian header byte for byte', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(5, 0) });
    expect(Array.from(bytes)).toEqual([...header(2049, 2), 5, 0]);
  });

  it('round-trip a raw uint8 file', () => {
    const decoded = decodeIdx(encodeIdx(images), 'images.idx');
    expect(decoded.magic).toBe(IDX_IMAGES_MAGIC);
    expect(decoded.dtype).toBe('uint8');
    expect(decoded.shape).toEqual([2, 2, 3]);
    expect(Array.from(decoded.data)).toEqual(Array.from(images.data));
  });

  it('round-trip a gzip file, detected by its magic bytes', () => {
    const gz = encodeIdx(images, { gzip: true });
    expect(isGzip(gz)).toBe(true);
    expect(Array.from(decodeIdx(gz, 'images.idx.gz').data)).toEqual(Array.from(images.data));
  });

  it('round-trip every wider dtype with big-endian values', () => {
    const arrays: Omit<IdxArray, 'magic'>[] = [
      { dtype: 'int8', shape: [3], data: Int8Array.of(-128, 0, 127) },
      { dtype: 'int16', shape: [3], data: Int16Array.of(-300, 1, 30000) },
      { dtype: 'int32', shape: [1, 3], data: Int32Array.of(-70000, 2, 2 ** 30) },
      { dtype: 'float32', shape: [3], data: Float32Array.of(-1.5, 0.25, 1e6) },
      { dtype: 'float64', shape: [3], data: Float64Array.of(Math.PI, -0.1, 1e300) },
    ];
    for (const array of arrays) {
      const decoded = decodeIdx(encodeIdx(array), `${array.dtype}.idx`);
      expect(decoded.dtype).toBe(array.dtype);
      expect(decoded.shape).toEqual(array.shape);
      expect(Array.from(decoded.data)).toEqual(Array.from(array.data));
    }
    const int16 = encodeIdx({ dtype: 'int16', shape: [1], data: Int16Array.of(258) });
    expect(Array.from(int16.subarray(8))).toEqual([1, 2]);
  });

  it('refuses to encode data that does not fill the shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).toThrow(/needs 4 elements, got 3/);
  });
});

describe('decodeIdx on bad input', () => {
  it('names the file and says it is truncated', () => {
    const bytes = encodeIdx(images).subarray(0, 20);
    expect(() => decodeIdx(bytes, '/data/train-images-idx3-ubyte')).toThrow(IdxFormatError);
    expect(() => decodeIdx(bytes, '/data/train-images-idx3-ubyte')).toThrow(
      /^\/data\/train-images-idx3-ubyte: the header says 2 x 2 x 3 uint8 = 12 bytes of data but the file has 4: the file is truncated\. Delete \/data\/train-images-idx3-ubyte and load again/);
  });

  it('says when the file has trailing bytes', () => {
    const bytes = Uint8Array.from([...encodeIdx(images), 0]);
    expect(() => decodeIdx(bytes, 'x.idx')).toThrow(/x\.idx: the header says 2 x 2 x 3 uint8 = 12 bytes of data but the file has 13: the file has trailing bytes/);
  });

  it('rejects a wrong magic number', () => {
    const bytes = Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]);
    expect(() => decodeIdx(bytes, 'archive.zip')).toThrow(/^archive\.zip: magic number 1347093252 \(0x504b0304\) is not an IDX magic number/);
  });

  it('rejects an unknown dtype code', () => {
    expect(() => decodeIdx(Uint8Array.from(header(0x0701, 0)), 'odd.idx')).toThrow(/odd\.idx: magic number 1793/);
  });

  it('rejects a file too short for its header', () => {
    expect(() => decodeIdx(Uint8Array.of(0, 0), 'tiny.idx')).toThrow(/tiny\.idx: the file is 2 bytes, too short for an IDX header/);
    expect(() => decodeIdx(Uint8Array.from(header(2051, 1)), 'short.idx')).toThrow(/short\.idx: the file is 8 bytes, too short for the header of 3 dimensions/);
  });

  it('rejects a truncated gzip file', () => {
    const gz = gzipSync(encodeIdx(images));
    expect(() => decodeIdx(gz.subarray(0, gz.length - 10), 'images.gz')).toThrow(/images\.gz: it starts like a gzip file but does not decompress/);
  });
});

describe('readIdxFile and writeIdxFile', () => {
  it('write atomically (no temporary file left) and read back, raw and gzip', async () => {
    const folder = await tempFolder('idx-test-');
    await writeIdxFile(join(folder, 'a', 'raw.idx'), images);
    await writeIdxFile(join(folder, 'a', 'packed.idx.gz'), images, { gzip: true });
    expect((await readdir(join(folder, 'a'))).sort()).toEqual(['packed.idx.gz', 'raw.idx']);
    expect(isGzip(await readFile(join(folder, 'a', 'packed.idx.gz')))).toBe(true);
    for (const name of ['raw.idx', 'packed.idx.gz']) {
      const read = await readIdxFile(join(folder, 'a', name));
      expect(read.shape).toEqual([2, 2, 3]);
      expect(Array.from(read.data)).toEqual(Array.from(images.data));
    }
  });
});
