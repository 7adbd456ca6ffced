// Reads the Binder configuration (binder/) and the project facts the tests compare it with.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The repository root (this file lives in test/binder). */
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BINDER_DIR = join(ROOT, 'binder');
export const POST_BUILD = join(BINDER_DIR, 'postBuild');
export const START = join(BINDER_DIR, 'start');
export const ENVIRONMENT = join(BINDER_DIR, 'environment.yml');

/** What the badge opens: JupyterLab on the first notebook. */
export const BINDER_URLPATH = 'lab/tree/notebooks/01_mnist-basics.ipynb';

/** The parts of a conda environment.yml we read. */
export interface CondaEnvironment {
  channels: string[];
  /** Conda specs such as `nodejs=20.20.2`. */
  conda: string[];
  /** Specs in the `pip:` list such as `jupyterlab==4.6.6`. */
  pip: string[];
}

export function readEnvironment(path = ENVIRONMENT): CondaEnvironment {
  const data = parse(readFileSync(path, 'utf8')) as { channels?: unknown; dependencies?: unknown };
  if (!Array.isArray(data.dependencies)) throw new Error(`${path}: expected a 'dependencies' list`);
  const conda = data.dependencies.filter((entry): entry is string => typeof entry === 'string');
  const pipEntry = data.dependencies.find((entry): entry is { pip: string[] } => typeof entry === 'object' && entry !== null && 'pip' in entry);
  return { channels: Array.isArray(data.channels) ? data.channels.map(String) : [], conda, pip: pipEntry?.pip ?? [] };
}

/** The version a conda spec pins (`name=1.2.3` or `name==1.2.3`), or undefined when the package is absent or unpinned. */
export function condaVersion(env: CondaEnvironment, name: string): string | undefined {
  return versionIn(env.conda, name, /^([A-Za-z0-9_.-]+)\s*==?\s*([0-9][0-9A-Za-z.*]*)$/);
}

/** The version a pip spec pins exactly (`name==1.2.3`). */
export function pipVersion(env: CondaEnvironment, name: string): string | undefined {
  return versionIn(env.pip, name, /^([A-Za-z0-9_.-]+)\s*==\s*([0-9][0-9A-Za-z.]*)$/);
}

function versionIn(specs: string[], name: string, pattern: RegExp): string | undefined {
  for (const spec of specs) {
    const match = pattern.exec(spec.trim());
    if (match?.[1] === name) return match[2];
  }
  return undefined;
}

/**
 * The commands of a shell script: one per line, without comments, blank lines and `echo` progress lines.
 * Enough for our short, one-command-per-line Binder scripts (a test checks they stay that way).
 */
export function scriptCommands(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('echo '));
}

/** `[major, minor, patch]` of a version such as `20.20.2`; throws on anything else. */
export function semver(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`Expected an exact version major.minor.patch, got '${version}'`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** a >= b for `[major, minor, patch]`. */
export function atLeast(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

export interface PackageJson {
  engines?: { node?: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
}

/** Lockfile packages that carry install scripts, by package name (`node_modules/a/node_modules/b` counts as b). */
export function packagesWithInstallScripts(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const names = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  return [...new Set(names)].sort();
}

/** The course notebooks, `notebooks/*.ipynb`, with the kernel each one asks for. */
export function notebookKernels(): { file: string; kernel: string | undefined }[] {
  const folder = join(ROOT, 'notebooks');
  return readdirSync(folder).filter((name) => name.endsWith('.ipynb')).sort().map((file) => {
    const notebook = JSON.parse(readFileSync(join(folder, file), 'utf8')) as { metadata?: { kernelspec?: { name?: string } } };
    return { file, kernel: notebook.metadata?.kernelspec?.name };
  });
}
