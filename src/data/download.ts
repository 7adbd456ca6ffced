// Downloads from a list of mirrors: first good answer wins, every answer is verified before it is kept.
import { DatasetError, DownloadError } from './errors.js';

/** How long one request may take; a 10 MB file over a slow link still fits. */
export const DOWNLOAD_TIMEOUT_MS = 300_000;

/** Mirror base URLs from a comma-separated environment variable, or undefined when it is unset or empty. */
export function mirrorsFromEnv(variable: string, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env[variable]?.trim();
  if (!value) return undefined;
  return value.split(',').map((url) => url.trim()).filter((url) => url.length > 0);
}

/** `file` resolved against a mirror base URL, with or without its trailing slash. */
export function mirrorUrl(mirror: string, file: string): string {
  return new URL(file, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
}

/**
 * Fetches `file` from each mirror in turn and returns what `accept` makes of the first answer it accepts.
 * `accept` checks the bytes (checksum, format) and throws a DatasetError to reject them; the next mirror is
 * then tried. Nothing is written here: the caller writes only accepted data, atomically.
 * @throws DownloadError listing every mirror and why it failed.
 */
export async function downloadFromMirrors<T>(
  file: string,
  mirrors: readonly string[],
  accept: (bytes: Uint8Array, url: string) => T,
  options: { timeoutMs?: number; advice?: string } = {},
): Promise<{ value: T; url: string }> {
  const attempts: string[] = [];
  for (const mirror of mirrors) {
    const url = mirrorUrl(mirror, file);
    try {
      const bytes = await fetchBytes(url, options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS);
      return { value: accept(bytes, url), url };
    } catch (error) {
      attempts.push(`${url}: ${describe(error)}`);
    }
  }
  const advice = options.advice ?? 'Check the network connection, or set the mirror list, and load again.';
  throw new DownloadError(file, attempts.length > 0 ? attempts : ['no mirrors were given'], advice);
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new DatasetError(`HTTP ${response.status} ${response.statusText}`, url);
  return new Uint8Array(await response.arrayBuffer());
}

// fetch wraps network failures as "fetch failed" with the useful part (ENOTFOUND, ECONNREFUSED) in `cause`.
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
