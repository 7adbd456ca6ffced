// The IDX file format of MNIST (raw or gzip): decode with every header check, encode, read and write files.
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from './cache.js';
import { IdxFormatError } from './errors.js';

/**
 * IDX dtype codes (third byte of the magic number) and their element sizes.
 * The format is described at http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS"); numbers are big-endian.
 */
export const IDX_DTYPES = {
  uint8: { code: 0x08, bytes: 1 },
  int8: { code: 0x09, bytes: 1 },
  int16: { code: 0x0b, bytes: 2 },
  int32: { code: 0x0c, bytes: 4 },
  float32: { code: 0x0d, bytes: 4 },
  float64: { code: 0x0e, bytes: 8 },
} as const;

export type IdxDtype = keyof typeof IDX_DTYPES;

/** Magic number of MNIST image files: 0x00000803, uint8 with 3 dimensions [count, rows, cols]. */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of MNIST label files: 0x00000801, uint8 with 1 dimension [count]. */
export const IDX_LABELS_MAGIC = 2049;
/** The first two bytes of every gzip stream (RFC 1952); how a `.gz` file is told from a raw one. */
export const GZIP_MAGIC: readonly [number, number] = [0x1f, 0x8b];

/** A decoded IDX file: elements in row-major order. For uint8 files `data` is a view of the file's bytes. */
export interface IdxArray {
  readonly magic: number;
  readonly dtype: IdxDtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** True when `bytes` starts with the gzip magic bytes. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** The magic number of an IDX file with this dtype and number of dimensions. */
export function idxMagic(dtype: IdxDtype, ndims: number): number {
  return (IDX_DTYPES[dtype].code << 8) | ndims;
}

/**
 * Decodes an IDX file, gunzipping it first when it starts with the gzip magic bytes.
 * Checks the magic number, the dtype, the dimensions and that the byte length is exactly what the header says.
 * @param file the file's path or name, for error messages only.
 * @throws IdxFormatError naming `file` and what is wrong; never returns partial data.
 */
export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  const raw = isGzip(bytes) ? gunzip(bytes, file) : bytes;
  if (raw.length < 4) throw new IdxFormatError(file, `the file is ${raw.length} bytes, too short for an IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  const dtype = dtypeOf(raw[2] ?? 0);
  const ndims = raw[3] ?? 0;
  if (raw[0] !== 0 || raw[1] !== 0 || dtype === undefined || ndims === 0) {
    throw new IdxFormatError(file, `magic number ${magic} (0x${hex8(magic)}) is not an IDX magic number ` +
      `(expected 0x0000TTNN with a dtype code TT and NN dimensions, e.g. ${IDX_IMAGES_MAGIC} for images)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new IdxFormatError(file, `the file is ${raw.length} bytes, too short for the header of ${ndims} dimensions`);
  }
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const elementBytes = IDX_DTYPES[dtype].bytes;
  const expected = shape.reduce((a, b) => a * b, 1) * elementBytes;
  const actual = raw.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'the file is truncated' : 'the file has trailing bytes';
    throw new IdxFormatError(file, `the header says ${shape.join(' x ')} ${dtype} = ${expected} bytes of data ` +
      `but the file has ${actual}: ${what}`);
  }
  return { magic, dtype, shape, data: readElements(raw, headerBytes, dtype, expected / elementBytes) };
}

/**
 * Encodes an array as an IDX file (big-endian), gzipped when `gzip` is true.
 * @example encodeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(5, 0) })  // a 2-label file
 */
export function encodeIdx(array: Omit<IdxArray, 'magic'>, options: { gzip?: boolean } = {}): Uint8Array {
  const { dtype, shape, data } = array;
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new RangeError(`encodeIdx: shape ${shape.join(' x ')} needs ${count} elements, got ${data.length}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * IDX_DTYPES[dtype].bytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, idxMagic(dtype, shape.length));
  shape.forEach((size, i) => view.setUint32(4 + 4 * i, size));
  writeElements(view, headerBytes, dtype, data);
  return options.gzip ? gzipSync(out) : out;
}

/** Reads and decodes an IDX file (raw or gzip). @throws IdxFormatError naming the file. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return decodeIdx(await readFile(path), path);
}

/** Writes an IDX file atomically (a temporary file renamed into place), gzipped when `gzip` is true. */
export async function writeIdxFile(path: string, array: Omit<IdxArray, 'magic'>, options: { gzip?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeIdx(array, options));
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new IdxFormatError(file, `it starts like a gzip file but does not decompress (${(error as Error).message}); ` +
      'it is probably truncated');
  }
}

function dtypeOf(code: number): IdxDtype | undefined {
  return (Object.keys(IDX_DTYPES) as IdxDtype[]).find((name) => IDX_DTYPES[name].code === code);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

// uint8 and int8 are views of the file's bytes (no copy); wider types are read big-endian into a new array.
function readElements(raw: Uint8Array, offset: number, dtype: IdxDtype, count: number): IdxArray['data'] {
  const start = raw.byteOffset + offset;
  if (dtype === 'uint8') return raw.subarray(offset, offset + count);
  if (dtype === 'int8') return new Int8Array(raw.buffer, start, count);
  const view = new DataView(raw.buffer, start, count * IDX_DTYPES[dtype].bytes);
  switch (dtype) {
    case 'int16': return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i));
    case 'int32': return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i));
    case 'float32': return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i));
    case 'float64': return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i));
  }
}

function writeElements(view: DataView, offset: number, dtype: IdxDtype, data: IdxArray['data']): void {
  const size = IDX_DTYPES[dtype].bytes;
  if (size === 1 && data.BYTES_PER_ELEMENT === 1) {
    // One-byte elements have no byte order: copy them in one call (MNIST image files are 47 MB).
    new Uint8Array(view.buffer, offset, data.length).set(new Uint8Array(data.buffer, data.byteOffset, data.length));
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    const at = offset + i * size;
    switch (dtype) {
      case 'uint8': view.setUint8(at, value); break;
      case 'int8': view.setInt8(at, value); break;
      case 'int16': view.setInt16(at, value); break;
      case 'int32': view.setInt32(at, value); break;
      case 'float32': view.setFloat32(at, value); break;
      case 'float64': view.setFloat64(at, value); break;
    }
  }
}
