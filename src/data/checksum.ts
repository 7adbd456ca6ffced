// File checksums: the digests recorded for data files, and the check that throws a ChecksumError.
import { createHash } from 'node:crypto';
import { ChecksumError, adviceFor } from './errors.js';

/** A recorded digest: md5 for the published `.gz` files, sha256 for the files we keep decompressed. */
export interface Checksum {
  readonly algorithm: 'md5' | 'sha256';
  readonly digest: string;
}

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
