import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, readFileVerified, verifyChecksum } from '../../src/data/checksum.js';
import { ChecksumError } from '../../src/data/errors.js';
import { useTempFolders } from './temp-folders.js';

const tempFolder = useTempFolders();

const abc = new TextEncoder().encode('abc');

describe('digestOf', () => {
  it('matches the published test vectors for "abc"', () => {
    expect(digestOf(abc, 'md5')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(digestOf(abc, 'sha256')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('verifyChecksum', () => {
  it('passes the right digest and names the file, both digests and the advice otherwise', () => {
    expect(() => verifyChecksum(abc, { algorithm: 'md5', digest: '900150983cd24fb0d6963f7d28e17f72' }, 'abc.txt')).not.toThrow();
    const check = () => verifyChecksum(abc, { algorithm: 'md5', digest: '0'.repeat(32) }, 'abc.txt', 'Fetch it again.');
    expect(check).toThrow(ChecksumError);
    expect(check).toThrow(`abc.txt: md5 is 900150983cd24fb0d6963f7d28e17f72, expected ${'0'.repeat(32)}; the file is corrupt or incomplete. Fetch it again.`);
  });
});

describe('readFileVerified', () => {
  it('reads a file in chunks with the right digest, is undefined for a missing file, and names a bad one', async () => {
    const folder = await tempFolder('checksum-');
    // 9 MB: more than two read chunks, so the overlapped read and hash is exercised.
    const bytes = Uint8Array.from({ length: 9 << 20 }, (_, i) => (i * 7) & 255);
    const path = join(folder, 'big.bin');
    await writeFile(path, bytes);
    const sha256 = { algorithm: 'sha256', digest: digestOf(bytes, 'sha256') } as const;
    expect(Buffer.compare(Buffer.from((await readFileVerified(path, sha256))!), Buffer.from(bytes))).toBe(0);
    expect(await readFileVerified(join(folder, 'missing.bin'), sha256)).toBeUndefined();
    await expect(readFileVerified(path, { algorithm: 'sha256', digest: '0'.repeat(64) })).rejects.toThrow(
      `${path}: sha256 is ${sha256.digest}, expected ${'0'.repeat(64)}; the file is corrupt or incomplete. Delete ${path} and load again`);
  });
});
