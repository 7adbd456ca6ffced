// Opens the course in Jupyter (Lab, else Notebook) with this project's tslab registered as the TypeScript kernel.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { tslabKernelArgv } from './kernel-client.js';

/** The kernel name tslab registers and the course notebooks name in `metadata.kernelspec`. */
export const KERNEL_NAME = 'tslab';
/** Jupyter saves the spec's display name into notebooks, so we keep tslab's to avoid metadata diffs. */
export const KERNEL_DISPLAY_NAME = 'TypeScript';
/** Project-local Jupyter data folder (git-ignored), put first on JUPYTER_PATH so its kernel wins over others named tslab. */
export const JUPYTER_DATA_DIR = join('out', 'jupyter');

export const INSTALL_JUPYTER_HELP = `Jupyter is not installed: neither \`jupyter lab\` nor \`jupyter notebook\` runs.
Install one of them, then run \`npm start\` again:
  pip install jupyterlab                                        # any OS, in a virtual environment if you like
  sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert   # Debian / Ubuntu
The TypeScript kernel (tslab) comes with this project; npm start registers it for you.
Without Jupyter you can still run every notebook headless: npm run course -- --quick`;

export type JupyterApp = 'lab' | 'notebook';

/** Which Jupyter front end `command` can start, preferring JupyterLab; null when none runs. */
export function detectJupyter(command = 'jupyter'): JupyterApp | null {
  for (const app of ['lab', 'notebook'] as const) {
    const probe = spawnSync(command, [app, '--version'], { stdio: 'ignore', timeout: 60_000 });
    if (probe.status === 0) return app;
  }
  return null;
}

/**
 * Writes `<dataDir>/kernels/tslab/kernel.json` running this project's tslab on this Node, with absolute paths so
 * it works whatever PATH Jupyter has. Returns the kernel.json path.
 */
export function writeKernelSpec(dataDir: string): string {
  const folder = join(resolve(dataDir), 'kernels', KERNEL_NAME);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'kernel.json');
  const spec = { argv: tslabKernelArgv(), display_name: KERNEL_DISPLAY_NAME, language: 'typescript' };
  writeFileSync(path, `${JSON.stringify(spec, null, 2)}\n`);
  return path;
}

/** Environment for Jupyter: our kernel first on JUPYTER_PATH, node_modules/.bin first on PATH (the `tslab` command). */
export function jupyterEnvironment(projectRoot: string, dataDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const prepend = (value: string, existing: string | undefined): string => (existing ? `${value}${delimiter}${existing}` : value);
  return {
    ...base,
    JUPYTER_PATH: prepend(resolve(dataDir), base['JUPYTER_PATH']),
    PATH: prepend(join(resolve(projectRoot), 'node_modules', '.bin'), base['PATH']),
  };
}

export interface StartJupyterOptions {
  /** Default: the current directory (npm runs scripts in the project root). */
  projectRoot?: string;
  /** Jupyter's root folder; default 'notebooks'. */
  notebooksDir?: string;
  /** Default 'jupyter'. */
  jupyterCommand?: string;
  /** Messages; default console.log / console.error. */
  log?: (line: string) => void;
  error?: (line: string) => void;
}

/** Registers the kernel and runs Jupyter until it exits; resolves to the exit code (1 when Jupyter is missing). */
export async function startJupyter(options: StartJupyterOptions = {}): Promise<number> {
  const projectRoot = options.projectRoot ?? process.cwd();
  const command = options.jupyterCommand ?? 'jupyter';
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  const app = detectJupyter(command);
  if (app === null) {
    error(INSTALL_JUPYTER_HELP);
    return 1;
  }
  const dataDir = join(projectRoot, JUPYTER_DATA_DIR);
  log(`Registered the TypeScript kernel: ${writeKernelSpec(dataDir)}`);
  const notebooksDir = resolve(projectRoot, options.notebooksDir ?? 'notebooks');
  log(`Starting jupyter ${app} in ${notebooksDir} (Ctrl-C to stop)`);
  const child = spawn(command, [app, `--notebook-dir=${notebooksDir}`], {
    cwd: projectRoot, env: jupyterEnvironment(projectRoot, dataDir), stdio: 'inherit',
  });
  // Ctrl-C reaches Jupyter through the terminal's process group; Jupyter decides whether to stop.
  const ignoreInterrupt = (): void => {};
  process.on('SIGINT', ignoreInterrupt);
  try {
    return await new Promise<number>((resolveExit) => {
      child.once('error', (spawnError) => {
        error(`Could not start ${command} ${app}: ${spawnError.message}`);
        resolveExit(1);
      });
      child.once('exit', (code, signal) => resolveExit(code ?? (signal === null ? 1 : 128)));
    });
  } finally {
    process.off('SIGINT', ignoreInterrupt);
  }
}
