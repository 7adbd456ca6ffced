// Records of data files whose checksum was verified, so that a later load of the unchanged file skips hashing it.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from './cache.js';
import type { Checksum } from './checksum.js';

/** The folder under the data root that holds the records (one small JSON file per verified data file). */
export const VERIFIED_FOLDER = '.verified';

/**
 * A file modified this recently could change again within its file system's timestamp granularity (2 s on FAT,
 * 1 s on HFS+) without its times changing (git's "racy" index entries): it is verified again next time rather than
 * recorded now. A download is therefore hashed on its first two loads, then recorded.
 */
export const RECORD_MIN_AGE_MS = 2000;

/**
 * What was verified: the digest, and the file's identity and times when it was. Sizes, times (nanoseconds) and
 * inode numbers are decimal strings, as fs.stat gives them with `bigint: true`.
 */
export interface VerifiedRecord {
  readonly path: string;
  readonly algorithm: Checksum['algorithm'];
  readonly digest: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
  readonly ino: string;
  readonly dev: string;
}

/** Where the record of `file` is kept in `folder`: its name plus a hash of its absolute path (two roots, two records). */
export function recordPath(folder: string, file: string): string {
  const absolute = resolve(file);
  const key = createHash('sha256').update(absolute).digest('hex').slice(0, 16);
  return join(folder, `${basename(absolute)}-${key}.json`);
}

/** The record of `file` with `expected` as it stands now (`stats` from fs.stat with `bigint: true`). */
export function makeRecord(file: string, expected: Checksum, stats: BigIntStats): VerifiedRecord {
  return {
    path: resolve(file), algorithm: expected.algorithm, digest: expected.digest, size: String(stats.size),
    mtimeNs: String(stats.mtimeNs), ctimeNs: String(stats.ctimeNs), ino: String(stats.ino), dev: String(stats.dev),
  };
}

/**
 * True when `folder` holds a record that `file`, as `stats` describe it now, was verified to have the `expected`
 * digest: same path, digest, size, inode, modification and change times. Any write to the file, a replacement
 * or a copy changes at least the change time (which no tool can set back), and the file is hashed again.
 */
export async function isRecordedVerified(folder: string, file: string, expected: Checksum, stats: BigIntStats): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(recordPath(folder, file), 'utf8');
  } catch {
    return false; // no record (or an unreadable one): verify
  }
  let record: Partial<VerifiedRecord>;
  try {
    record = JSON.parse(text) as Partial<VerifiedRecord>;
  } catch {
    return false;
  }
  const now = makeRecord(file, expected, stats);
  return (Object.keys(now) as (keyof VerifiedRecord)[]).every((key) => record[key] === now[key]);
}

/**
 * Records that `file` had the `expected` digest when it was as `stats` describe. Skipped for a file modified in
 * the last RECORD_MIN_AGE_MS; a folder that cannot be written (a read-only data root) only means hashing every time.
 */
export async function recordVerified(folder: string, file: string, expected: Checksum, stats: BigIntStats): Promise<void> {
  if (Date.now() - Number(stats.mtimeNs / 1_000_000n) < RECORD_MIN_AGE_MS) return;
  try {
    await writeFileAtomic(recordPath(folder, file), new TextEncoder().encode(`${JSON.stringify(makeRecord(file, expected, stats))}\n`));
  } catch {
    // Not writable: the next load verifies again, which is correct, only slower.
  }
}
