// Verification records: a file verified once and unchanged since is not hashed again; any change is hashed again.
import { describe, expect, it } from 'vitest';
import { readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, readFileVerified } from '../../src/data/checksum.js';
import { ChecksumError } from '../../src/data/errors.js';
import { type VerifiedRecord, isRecordedVerified, recordPath } from '../../src/data/verified.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();
const ONE_HOUR_AGO = new Date(Date.now() - 3600_000);

/** A data file written an hour ago (older than RECORD_MIN_AGE_MS), its sha256, and an empty records folder. */
async function oldFile(bytes: Uint8Array): Promise<{ path: string; records: string; sha256: { algorithm: 'sha256'; digest: string } }> {
  const folder = await tempFolder('verified-');
  const path = join(folder, 'data.bin');
  await writeFile(path, bytes);
  await utimes(path, ONE_HOUR_AGO, ONE_HOUR_AGO);
  return { path, records: join(folder, '.verified'), sha256: { algorithm: 'sha256', digest: digestOf(bytes, 'sha256') } };
}

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 255);

describe('recordPath', () => {
  it('names the record after the file and its absolute path, so two folders never share a record', () => {
    expect(recordPath('/r', '/a/train-images-idx3-ubyte')).toMatch(/^\/r\/train-images-idx3-ubyte-[0-9a-f]{16}\.json$/);
    expect(recordPath('/r', '/a/x')).not.toBe(recordPath('/r', '/b/x'));
  });
});

describe('readFileVerified with a records folder', () => {
  it('hashes a file the first time and records its digest, size, inode and times', async () => {
    const { path, records, sha256 } = await oldFile(bytes);
    expect(Buffer.compare(Buffer.from((await readFileVerified(path, sha256, undefined, records))!), Buffer.from(bytes))).toBe(0);
    const record = JSON.parse(await readFile(recordPath(records, path), 'utf8')) as VerifiedRecord;
    const stats = await stat(path, { bigint: true });
    expect(record).toEqual({
      path, algorithm: 'sha256', digest: sha256.digest, size: '1000', mtimeNs: String(stats.mtimeNs),
      ctimeNs: String(stats.ctimeNs), ino: String(stats.ino), dev: String(stats.dev),
    });
    expect(await isRecordedVerified(records, path, sha256, stats)).toBe(true);
  });

  it('trusts a matching record: the file is read without hashing it again', async () => {
    const { path, records, sha256 } = await oldFile(bytes);
    await readFileVerified(path, sha256, undefined, records);
    // A record claiming another digest is believed while the file is unchanged (which is how we see no hashing).
    const claimed = { algorithm: 'sha256', digest: 'f'.repeat(64) } as const;
    const record = JSON.parse(await readFile(recordPath(records, path), 'utf8')) as VerifiedRecord;
    await writeFile(recordPath(records, path), JSON.stringify({ ...record, digest: claimed.digest }));
    expect((await readFileVerified(path, claimed, undefined, records))?.length).toBe(1000);
  });

  it('hashes a file again once it changed, even with the same size and modification time, and rejects it', async () => {
    const { path, records, sha256 } = await oldFile(bytes);
    await readFileVerified(path, sha256, undefined, records);
    const changed = bytes.slice();
    changed[500] = (changed[500]! + 1) & 255;
    await writeFile(path, changed);
    await utimes(path, ONE_HOUR_AGO, ONE_HOUR_AGO); // the change time still moves on
    await expect(readFileVerified(path, sha256, undefined, records)).rejects.toThrow(ChecksumError);
  });

  it('does not trust a record made for another digest', async () => {
    const { path, records, sha256 } = await oldFile(bytes);
    await readFileVerified(path, sha256, undefined, records);
    await expect(readFileVerified(path, { algorithm: 'sha256', digest: '0'.repeat(64) }, undefined, records)).rejects.toThrow(ChecksumError);
  });

  it('records nothing for a file written in the last seconds (its times may not show a change yet)', async () => {
    const folder = await tempFolder('verified-new-');
    const path = join(folder, 'fresh.bin');
    await writeFile(path, bytes);
    await readFileVerified(path, { algorithm: 'sha256', digest: digestOf(bytes, 'sha256') }, undefined, join(folder, '.verified'));
    expect(await readdir(folder)).toEqual(['fresh.bin']);
  });

  it('still reads and verifies when the records folder cannot be written', async () => {
    const { path, sha256 } = await oldFile(bytes);
    const notAFolder = path; // a file where the folder would go: mkdir fails
    expect((await readFileVerified(path, sha256, undefined, notAFolder))?.length).toBe(1000);
  });
});
