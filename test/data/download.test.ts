import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, DownloadError } from '../../src/data/errors.js';
import { downloadFromMirrors, mirrorUrl, mirrorsFromEnv } from '../../src/data/download.js';
import { type LocalServer, serveFiles } from './local-server.js';

describe('mirrorUrl and mirrorsFromEnv', () => {
  it('join a base URL with or without its trailing slash', () => {
    expect(mirrorUrl('http://127.0.0.1:1/mnist', 'a.gz')).toBe('http://127.0.0.1:1/mnist/a.gz');
    expect(mirrorUrl('http://127.0.0.1:1/mnist/', 'a.gz')).toBe('http://127.0.0.1:1/mnist/a.gz');
  });

  it('split a comma-separated variable and ignore an empty one', () => {
    expect(mirrorsFromEnv('M', { M: ' http://a/ , http://b/,' })).toEqual(['http://a/', 'http://b/']);
    expect(mirrorsFromEnv('M', { M: '  ' })).toBeUndefined();
    expect(mirrorsFromEnv('M', {})).toBeUndefined();
  });
});

describe('downloadFromMirrors', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await serveFiles({ 'hello.txt': new TextEncoder().encode('hello') }); });
  afterAll(async () => server.close());

  it('returns what the first accepted answer becomes, after skipping a mirror that answers 404', async () => {
    const missing = server.url.replace('/mirror/', '/elsewhere/');
    const result = await downloadFromMirrors('hello.txt', [missing, server.url], (bytes) => new TextDecoder().decode(bytes));
    expect(result).toEqual({ value: 'hello', url: `${server.url}hello.txt` });
  });

  it('tries the next mirror when the check rejects an answer, and lists every failure', async () => {
    const reject = () => { throw new DatasetError('bad bytes'); };
    const attempt = downloadFromMirrors('hello.txt', [server.url, 'http://127.0.0.1:9/'], reject, { timeoutMs: 5000 });
    await expect(attempt).rejects.toThrow(DownloadError);
    const error = await downloadFromMirrors('hello.txt', [server.url, 'http://127.0.0.1:9/'], reject, { timeoutMs: 5000 })
      .then(() => { throw new Error('expected a DownloadError'); }, (e: unknown) => e as DownloadError);
    expect(error.attempts).toHaveLength(2);
    expect(error.attempts[0]).toBe(`${server.url}hello.txt: bad bytes`);
    expect(error.attempts[1]).toMatch(/^http:\/\/127\.0\.0\.1:9\/hello\.txt: fetch failed/);
    expect(error.message).toMatch(/^Could not download hello\.txt:/);
  });
});
