// Finds the outside programs the browser and Binder tests drive (Chromium, JupyterLab), or says why they are missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipVersion, readEnvironment } from '../binder/binder-files.js';

/** Environment variable naming a Chromium executable; default {@link DEFAULT_CHROMIUM}. */
export const CHROMIUM_ENV = 'MNIST_COURSE_CHROMIUM';
/** Debian's `chromium` package. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Environment variable naming a `jupyter` executable with JupyterLab 4; default: {@link DEFAULT_JUPYTER_VENV}, then PATH. */
export const JUPYTER_ENV = 'MNIST_COURSE_JUPYTER';
/** The virtual environment CI installs JupyterLab into (Debian packages no JupyterLab). */
export const DEFAULT_JUPYTER_VENV = '/opt/jupyterlab';

export const INSTALL_CHROMIUM = 'sudo apt-get install -y chromium';
/** The JupyterLab Binder runs, so the browser test sees what Binder users see. */
export const JUPYTERLAB_VERSION = pipVersion(readEnvironment(), 'jupyterlab') ?? '4';
export const INSTALL_JUPYTERLAB = `python3 -m venv ${DEFAULT_JUPYTER_VENV} && ${DEFAULT_JUPYTER_VENV}/bin/pip install jupyterlab==${JUPYTERLAB_VERSION}`;

/** A program that was found, or the reason it was not, with the command that installs it. */
export type Found<T> = { found: true; value: T } | { found: false; reason: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium executable: $MNIST_COURSE_CHROMIUM, else /usr/bin/chromium. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): Found<string> {
  const path = env[CHROMIUM_ENV] || DEFAULT_CHROMIUM;
  if (isExecutable(path)) return { found: true, value: path };
  return { found: false, reason: `Chromium not found at ${path} (set ${CHROMIUM_ENV} or install it: ${INSTALL_CHROMIUM})` };
}

export interface JupyterLab {
  /** The `jupyter` executable. */
  jupyter: string;
  /** The Python beside it, which has jupyter_client (tslab's `install --python` needs one). */
  python: string;
  /** `jupyter lab --version`, e.g. '4.6.6'. */
  version: string;
}

/** JupyterLab 4: $MNIST_COURSE_JUPYTER, else /opt/jupyterlab/bin/jupyter, else `jupyter` on PATH. */
export function findJupyterLab(env: NodeJS.ProcessEnv = process.env): Found<JupyterLab> {
  const candidates = env[JUPYTER_ENV] ? [env[JUPYTER_ENV]] : [join(DEFAULT_JUPYTER_VENV, 'bin', 'jupyter'), 'jupyter'];
  const tried: string[] = [];
  for (const jupyter of candidates) {
    const probe = spawnSync(jupyter, ['lab', '--version'], { encoding: 'utf8', timeout: 60_000 });
    const version = probe.status === 0 ? probe.stdout.trim() : '';
    if (!/^4\./.test(version)) {
      tried.push(`${jupyter}: ${probe.error ? 'not found' : `jupyter lab --version gave '${version || probe.stderr.trim().split('\n').at(-1)}'`}`);
      continue;
    }
    // Jupyter's own Python sits beside it (a venv's bin/, /usr/bin, a pyenv shim folder).
    const path = jupyter.includes('/') ? jupyter : spawnSync('bash', ['-c', `command -v ${jupyter}`], { encoding: 'utf8' }).stdout.trim();
    const python = path === '' ? 'python3' : join(dirname(path), 'python3');
    return { found: true, value: { jupyter, python, version } };
  }
  return { found: false, reason: `JupyterLab 4 not found (${tried.join('; ')}). Set ${JUPYTER_ENV} or install it: ${INSTALL_JUPYTERLAB}` };
}
