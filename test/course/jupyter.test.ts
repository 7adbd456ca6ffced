import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectJupyter, INSTALL_JUPYTER_HELP, jupyterEnvironment, startJupyter, writeKernelSpec } from '../../src/course/jupyter.js';

describe('the project kernel spec', () => {
  it('runs this project’s tslab on this Node with absolute paths and the no-watch preload, named tslab / TypeScript', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jupyter-data-'));
    try {
      const path = writeKernelSpec(dir);
      expect(path).toBe(join(dir, 'kernels', 'tslab', 'kernel.json'));
      const spec = JSON.parse(readFileSync(path, 'utf8')) as { argv: string[]; display_name: string; language: string };
      expect(spec.argv[0]).toBe(process.execPath);
      expect(spec.argv[1]).toBe('--require');
      expect(spec.argv[2]).toMatch(/no-watch\.cjs$/);
      expect(existsSync(spec.argv[2] ?? '')).toBe(true);
      expect(spec.argv[3]).toMatch(/tslab$/);
      expect(existsSync(spec.argv[3] ?? '')).toBe(true);
      expect(spec.argv.slice(4)).toEqual(['kernel', '--config-path', '{connection_file}']);
      expect(spec).toMatchObject({ display_name: 'TypeScript', language: 'typescript' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('puts the kernel first on JUPYTER_PATH and node_modules/.bin first on PATH', () => {
    const env = jupyterEnvironment('/project', '/project/out/jupyter', { PATH: '/usr/bin', JUPYTER_PATH: '/other' });
    expect(env['JUPYTER_PATH']).toBe(`/project/out/jupyter${delimiter}/other`);
    expect(env['PATH']).toBe(`/project/node_modules/.bin${delimiter}/usr/bin`);
  });
});

describe('npm start without Jupyter', () => {
  it('explains how to install Jupyter and exits 1', async () => {
    const missing = join(tmpdir(), 'no-such-jupyter-command');
    expect(detectJupyter(missing)).toBeNull();
    const errors: string[] = [];
    const code = await startJupyter({ jupyterCommand: missing, log: () => {}, error: (line) => errors.push(line) });
    expect(code).toBe(1);
    expect(errors).toEqual([INSTALL_JUPYTER_HELP]);
    expect(INSTALL_JUPYTER_HELP).toMatch(/pip install jupyterlab/);
    expect(INSTALL_JUPYTER_HELP).toMatch(/apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert/);
  });
});
