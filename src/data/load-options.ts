// Options shared by the dataset factories (loadMnist, loadFashionMnist, loadOpenMlMnist) and their defaults.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { defaultDataRoot } from './cache.js';
import type { DataSource } from './dataset.js';
import { mirrorsFromEnv } from './download.js';
import type { Transform } from './transforms.js';
import { VERIFIED_FOLDER } from './verified.js';

/** Options of `loadMnist` and `loadFashionMnist`, named like torchvision's. */
export interface LoadOptions {
  /** The training split (true, default) or the test split. */
  readonly train?: boolean;
  /** Data folder; default `$MNIST_COURSE_DATA`, else `$XDG_CACHE_HOME/mnist-course` or `~/.cache/mnist-course`. */
  readonly root?: string;
  /** Applied to pixel values when samples are gathered; default none (pixels stay 0..255 as floats). */
  readonly transform?: Transform;
  /** Download the official files when they are not found locally; default true. */
  readonly download?: boolean;
  /** Mirror base URLs, tried in order; default the data set's environment variable, else the official list. */
  readonly mirrors?: readonly string[];
  /** Receives one line saying where the data came from; default console.log. */
  readonly log?: (line: string) => void;
}

/** The options with their defaults filled in. */
export interface ResolvedLoad {
  readonly split: 'Train' | 'Test';
  /** The root as given (printed by toString, like torchvision). */
  readonly root: string;
  readonly download: boolean;
  readonly mirrors: readonly string[];
  readonly log: (line: string) => void;
  /** The root as an absolute path. */
  readonly rootFolder: string;
  /** `<root>/<subfolder>` as an absolute path. */
  readonly folder: string;
  /** `<root>/.verified`: the records of files already verified under this root (see verified.ts). */
  readonly records: string;
}

/** Fills in the defaults; `subfolder` is the data set's folder under the root, e.g. `MNIST/raw`. */
export function resolveLoad(options: LoadOptions, subfolder: string, mirrorsEnv: string, officialMirrors: readonly string[]): ResolvedLoad {
  const root = options.root ?? defaultDataRoot();
  const rootFolder = resolve(root);
  return {
    split: options.train ?? true ? 'Train' : 'Test',
    root,
    download: options.download ?? true,
    mirrors: options.mirrors ?? mirrorsFromEnv(mirrorsEnv) ?? officialMirrors,
    log: options.log ?? ((line) => console.log(line)),
    rootFolder,
    folder: join(rootFolder, subfolder),
    records: join(rootFolder, VERIFIED_FOLDER),
  };
}

/** The folder of an installed npm package, found the way Node finds it; undefined when not installed. */
export function packageFolder(name: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** The one line a load logs, e.g. `MNIST train: read from the cache folder /root/.cache/mnist-course/MNIST/raw`. */
export function sourceLine(name: string, split: string, source: DataSource, location: string, note?: string): string {
  const how = {
    cache: `read from the cache folder ${location}`,
    package: `read from the npm package folder ${location}`,
    download: `downloaded from ${location}, checksums verified, into the cache folder`,
  }[source];
  return `${name} ${split.toLowerCase()}: ${how}${note ? ` (${note})` : ''}`;
}
