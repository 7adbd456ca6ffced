// File checksums: the digests recorded for data files, and the checks that throw a ChecksumError.
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { ChecksumError, DatasetError, adviceFor } from './errors.js';
import { isRecordedVerified, recordVerified } from './verified.js';

/** A recorded digest: md5 for the published `.gz` files, sha256 for the files we keep decompressed. */
export interface Checksum {
  readonly algorithm: 'md5' | 'sha256';
  readonly digest: string;
}

/** Bytes read per step of `readFileVerified`; big enough for few system calls, small enough to overlap well. */
const READ_CHUNK_BYTES = 4 << 20;

/** The hex digest of `bytes` (sha256 of the 47 MB MNIST image file takes about 30 ms). */
export function digestOf(bytes: Uint8Array, algorithm: Checksum['algorithm']): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

/**
 * Throws a ChecksumError naming `file` unless `bytes` has the expected digest.
 * @param advice what the user should do; defaults to deleting the file and loading again.
 */
export function verifyChecksum(bytes: Uint8Array, expected: Checksum, file: string, advice = adviceFor(file)): void {
  const actual = digestOf(bytes, expected.algorithm);
  if (actual !== expected.digest) throw new ChecksumError(file, expected.algorithm, expected.digest, actual, advice);
}

/**
 * Reads a file and checks its digest, hashing each chunk while the next one is read (the read runs on
 * libuv's thread pool), so a load costs about the longer of the two instead of their sum.
 * With `records` (a folder, see verified.ts), a file verified before and unchanged since (same size, inode,
 * modification and change times) is read without hashing, and a file verified now is recorded there.
 * @returns undefined when the file does not exist.
 * @throws ChecksumError naming `path` when the digest differs.
 */
export async function readFileVerified(path: string, expected: Checksum, advice = adviceFor(path), records?: string): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // The open file's stat: the record is checked against the very file we read, even if the path is replaced.
    const stats = await handle.stat({ bigint: true });
    if (records !== undefined && await isRecordedVerified(records, path, expected, stats)) return await readAll(handle, Number(stats.size), path);
    const bytes = await readHashing(handle, Number(stats.size), expected, path, advice);
    if (records !== undefined) await recordVerified(records, path, expected, stats);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** The whole file in as few reads as the system allows (one for a 47 MB file on Linux). */
async function readAll(handle: FileHandle, size: number, path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
    if (bytesRead === 0) {
      throw new DatasetError(`${path}: ended after ${offset} of ${size} bytes, so it changed while it was read. Load again.`, path);
    }
    offset += bytesRead;
  }
  return bytes;
}

/** The whole file, hashed chunk by chunk as it is read; throws a ChecksumError when the digest differs. */
async function readHashing(handle: FileHandle, size: number, expected: Checksum, path: string, advice: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  const hash = createHash(expected.algorithm);
  let offset = 0;
  let next = handle.read(bytes, 0, Math.min(READ_CHUNK_BYTES, size), 0);
  while (offset < size) {
    const { bytesRead } = await next;
    if (bytesRead === 0) break; // the file shrank while we read it: the digest will not match
    const start = offset;
    offset += bytesRead;
    if (offset < size) next = handle.read(bytes, offset, Math.min(READ_CHUNK_BYTES, size - offset), offset);
    hash.update(bytes.subarray(start, offset));
  }
  const actual = hash.digest('hex');
  if (actual !== expected.digest) throw new ChecksumError(path, expected.algorithm, expected.digest, actual, advice);
  return bytes;
}
