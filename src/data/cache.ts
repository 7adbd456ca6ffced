// The local data folder: where it is (option, env var, XDG cache), and writes that never leave partial files.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Environment variable that overrides the default data folder (the `root` option overrides both). */
export const DATA_ROOT_ENV = 'MNIST_COURSE_DATA';
/** Name of the course's folder inside the user cache folder. */
export const CACHE_FOLDER_NAME = 'mnist-course';

/**
 * The folder that holds downloaded and converted data sets: `$MNIST_COURSE_DATA` when set,
 * else `$XDG_CACHE_HOME/mnist-course`, else `~/.cache/mnist-course`.
 */
export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[DATA_ROOT_ENV];
  if (fromEnv) return fromEnv;
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, CACHE_FOLDER_NAME);
}

/**
 * Writes `bytes` to `path` through a temporary file in the same folder and a rename, so that readers
 * (and a crash half-way) never see a partial file. Creates the folder when needed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  // A unique name lets two processes fill the same cache at once; the last rename wins with identical bytes.
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** True when `path` exists. Errors other than "not found" (permissions, ...) are thrown. */
export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
