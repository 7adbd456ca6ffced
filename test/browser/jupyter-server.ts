// Starts JupyterLab on 127.0.0.1 in throwaway folders, with this project's tslab kernel and the course's environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { writeKernelSpec } from '../../src/course/jupyter.js';

/** Generous: the first start compiles nothing but imports a lot of Python on a busy 2-core machine. */
export const SERVER_START_TIMEOUT_MS = 60_000;
const POLL_MS = 250;
const LOG_TAIL_CHARS = 4_000;

/**
 * Settings every browser run gets (JupyterLab's `default_setting_overrides`): no news or update checks (no internet,
 * and their prompt would cover the notebook), every cell kept in the page (windowing would leave off-screen outputs
 * unrendered), no autosave (the test owns the file).
 */
export const LAB_SETTING_OVERRIDES = {
  '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
  '@jupyterlab/notebook-extension:tracker': { windowingMode: 'none' },
  '@jupyterlab/docmanager-extension:plugin': { autosave: false },
};

export interface JupyterLabOptions {
  /** The `jupyter` executable (JupyterLab 4). */
  jupyter: string;
  /** Jupyter's root folder: what the file browser shows and `lab/tree/...` paths start from. */
  rootDir: string;
  /** A fresh folder for Jupyter's config, data (the kernel spec), runtime and JupyterLab's user settings. */
  stateDir: string;
  /** Variables for the server and, through it, every kernel it starts. */
  env: Record<string, string>;
}

export interface RunningLab {
  /** e.g. http://127.0.0.1:8890 */
  baseUrl: string;
  token: string;
  /** A URL under the server with the token, e.g. `lab/tree/notebooks/01.ipynb`. */
  url(path: string): string;
  /** The server's output so far (the last few thousand characters). */
  log(): string;
  /** Shuts the server and its kernels down. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Expected a TCP address from a listening server');
  return address.port;
}

/** Starts `jupyter lab` and resolves once its REST API answers; rejects with the server's log if it exits or times out. */
export async function startJupyterLab(options: JupyterLabOptions): Promise<RunningLab> {
  const folders = Object.fromEntries(['config', 'data', 'runtime', 'settings', 'workspaces'].map((name) => [name, join(options.stateDir, name)]));
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  writeKernelSpec(folders['data'] ?? '');
  mkdirSync(join(folders['config'] ?? '', 'labconfig'), { recursive: true });
  writeFileSync(join(folders['config'] ?? '', 'labconfig', 'default_setting_overrides.json'), JSON.stringify(LAB_SETTING_OVERRIDES, null, 2));

  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const child: ChildProcess = spawn(options.jupyter, [
    'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${options.rootDir}`, '--ServerApp.terminals_enabled=False',
    // CI containers run as root; Jupyter refuses that without the flag.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ], {
    cwd: options.rootDir,
    // Its own process group, so a failed run can still end the server's kernels with it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      PATH: [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter),
      JUPYTER_CONFIG_DIR: folders['config'], JUPYTER_DATA_DIR: folders['data'], JUPYTER_PATH: folders['data'],
      JUPYTER_RUNTIME_DIR: folders['runtime'], JUPYTERLAB_SETTINGS_DIR: folders['settings'], JUPYTERLAB_WORKSPACES_DIR: folders['workspaces'],
    },
  });
  let output = '';
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-LOG_TAIL_CHARS); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => { running = false; });

  const baseUrl = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}` };
  const lab: RunningLab = {
    baseUrl, token,
    url: (path) => `${baseUrl}/${path}${path.includes('?') ? '&' : '?'}token=${token}`,
    log: () => output,
    async stop() {
      if (!running) return;
      // /api/shutdown stops the kernels first; the group kill covers a server that no longer answers.
      await fetch(`${baseUrl}/api/shutdown`, { method: 'POST', headers }).catch(() => undefined);
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
      if (!stopped && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    },
  };

  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!running) throw new Error(`jupyter lab exited before answering on ${baseUrl}. Its output:\n${output}`);
    const status = await fetch(`${baseUrl}/api/status`, { headers }).then((response) => response.status, () => 0);
    if (status === 200) return lab;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await lab.stop();
  throw new Error(`jupyter lab did not answer on ${baseUrl} within ${SERVER_START_TIMEOUT_MS / 1000} s. Its output:\n${output}`);
}
