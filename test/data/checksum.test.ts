import { describe, expect, it } from 'vitest';
import { digestOf, verifyChecksum } from '../../src/data/checksum.js';
import { ChecksumError } from '../../src/data/errors.js';

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
