// The Binder configuration read statically: formats parse, versions are pinned, every referenced file and script exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COURSE_MODES, COURSE_MODE_ENV, parseCourseMode } from '../../src/course/mode.js';
import { KERNEL_NAME } from '../../src/course/jupyter.js';
import {
  BINDER_URLPATH, ENVIRONMENT, POST_BUILD, ROOT, START, atLeast, condaVersion, notebookKernels, packagesWithInstallScripts,
  pipVersion, readEnvironment, readPackageJson, scriptCommands, semver,
} from './binder-files.js';

const env = readEnvironment();
const pkg = readPackageJson();
const postBuild = scriptCommands(POST_BUILD);

/** The index of the first command that starts with `prefix`; fails the test when there is none. */
function commandIndex(prefix: string): number {
  const index = postBuild.findIndex((command) => command.startsWith(prefix));
  expect(index, `binder/postBuild has no command starting with '${prefix}'`).toBeGreaterThanOrEqual(0);
  return index;
}

function command(prefix: string): string {
  return postBuild[commandIndex(prefix)] ?? '';
}

function expectExecutableBash(path: string): void {
  expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('#!/bin/bash');
  expect(statSync(path).mode & 0o111, `${path} must be executable (git update-index --chmod=+x)`).toBe(0o111);
  const syntax = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
  expect(syntax.stderr).toBe('');
  expect(syntax.status).toBe(0);
}

describe('binder/environment.yml', () => {
  it('parses as a conda environment from conda-forge', () => {
    expect(existsSync(ENVIRONMENT)).toBe(true);
    expect(env.channels[0]).toBe('conda-forge');
    expect(env.conda).toContain('pip');
  });

  it('pins Node.js exactly, at a version package.json engines accepts (require of ES modules needs 20.19)', () => {
    const node = condaVersion(env, 'nodejs');
    expect(node, 'binder/environment.yml must pin nodejs=<major.minor.patch>').toBeDefined();
    const minimum = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(pkg.engines?.node ?? '');
    expect(minimum, `package.json engines.node should read '>=X.Y', got '${pkg.engines?.node}'`).not.toBeNull();
    expect(atLeast(semver(node ?? ''), [Number(minimum?.[1]), Number(minimum?.[2]), Number(minimum?.[3] ?? 0)])).toBe(true);
    expect(atLeast(semver(node ?? ''), [20, 19, 0])).toBe(true);
  });

  it('pins Python to a minor version and JupyterLab 4 to an exact version', () => {
    expect(condaVersion(env, 'python')).toMatch(/^3\.\d+$/);
    const lab = pipVersion(env, 'jupyterlab');
    expect(lab, 'binder/environment.yml must pin jupyterlab==<major.minor.patch> under pip').toBeDefined();
    expect(semver(lab ?? '')[0]).toBe(4);
    // Notebook 7.N requires JupyterLab 4.N; repo2docker installs Notebook, so a lone JupyterLab pin would break it.
    const notebook = pipVersion(env, 'notebook');
    expect(notebook, 'binder/environment.yml must pin notebook==7.<same minor as JupyterLab>.<patch> under pip').toBeDefined();
    expect(semver(notebook ?? '').slice(0, 2)).toEqual([7, semver(lab ?? '')[1]]);
  });
});

describe('binder/postBuild', () => {
  it('is an executable bash script that starts with set -e and keeps one plain command per line', () => {
    expectExecutableBash(POST_BUILD);
    expect(postBuild[0]).toMatch(/^set -e/);
    // Chains and continuations would hide a failing command from set -e or from the offline test's npm stand-in.
    for (const line of postBuild) expect(line, `binder/postBuild: '${line}'`).not.toMatch(/&&|\|\||;\s*\S|\\$/);
  });

  it('installs an npm that honours package.json allowScripts, pinned exactly', () => {
    const match = /^npm install --global .*\bnpm@(\S+)$/.exec(command('npm install --global'));
    expect(match, 'expected npm install --global ... npm@<version>').not.toBeNull();
    // npm 11 reads "allowScripts"; npm 10 (conda's nodejs 20) ignores it.
    expect(semver(match?.[1] ?? '')[0]).toBeGreaterThanOrEqual(11);
    expect(commandIndex('npm install --global')).toBeLessThan(commandIndex('npm ci'));
  });

  it('installs the lockfile without install scripts', () => {
    expect(command('npm ci').split(/\s+/)).toContain('--ignore-scripts');
  });

  it('adds the CPU build of native TensorFlow at the TF.js version, without saving it', () => {
    const install = command('npm install --no-save');
    expect(install.split(/\s+/)).toContain('--ignore-scripts');
    expect(install).toMatch(new RegExp(`@tensorflow/tfjs-node@${pkg.dependencies['@tensorflow/tfjs']?.replaceAll('.', '\\.')}$`));
    expect(pkg.dependencies).not.toHaveProperty('@tensorflow/tfjs-node');
  });

  it('removes the GPU build after the last install and before the install scripts run', () => {
    const remove = commandIndex('rm -rf node_modules/@tensorflow/tfjs-node-gpu');
    expect(remove).toBeGreaterThan(commandIndex('npm install --no-save'));
    expect(remove).toBeLessThan(commandIndex('npm rebuild'));
  });

  it('runs the install scripts of every package it keeps that package.json allows', () => {
    const rebuilt = command('npm rebuild').split(/\s+/).slice(2).sort();
    const allowed = pkg.allowScripts ?? {};
    const needed = [...packagesWithInstallScripts().filter((name) => allowed[name] === true && name !== '@tensorflow/tfjs-node-gpu'),
      '@tensorflow/tfjs-node'].sort();
    expect(rebuilt).toEqual(needed);
    // npm 11 skips the script of a package missing from allowScripts.
    for (const name of rebuilt) expect(allowed[name], `package.json allowScripts['${name}']`).toBe(true);
  });

  it('runs only npm scripts, files and commands that exist in the project', () => {
    for (const line of postBuild) {
      const script = /^npm run (\S+)/.exec(line)?.[1];
      if (script !== undefined) expect(pkg.scripts, line).toHaveProperty(script);
      const file = /^node (\S+)/.exec(line)?.[1];
      if (file !== undefined) expect(existsSync(join(ROOT, file)), line).toBe(true);
      const bin = /^node_modules\/\.bin\/(\S+)/.exec(line)?.[1];
      if (bin !== undefined) {
        expect(pkg.dependencies, line).toHaveProperty(bin);
        const binPackage = JSON.parse(readFileSync(join(ROOT, 'node_modules', bin, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
        expect(binPackage.bin, line).toHaveProperty(bin);
      }
    }
  });

  it('registers the tslab kernel the notebooks ask for, with the environment’s python3, by absolute path', () => {
    const install = command('node_modules/.bin/tslab install');
    expect(install).toContain('--python=python3');
    expect(install).toContain('--binary="$PWD/node_modules/.bin/tslab"');
    for (const { file, kernel } of notebookKernels()) expect(kernel, `notebooks/${file} kernelspec.name`).toBe(KERNEL_NAME);
  });
});

describe('binder/start', () => {
  const run = (mode: string | undefined): string => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv[COURSE_MODE_ENV];
    if (mode !== undefined) childEnv[COURSE_MODE_ENV] = mode;
    const result = spawnSync(START, [process.execPath, '-e', `console.log(process.env.${COURSE_MODE_ENV})`], { env: childEnv, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout.trim();
  };

  it('is an executable bash script that hands over to the command it is given', () => {
    expectExecutableBash(START);
    expect(scriptCommands(START).at(-1)).toBe('exec "$@"');
  });

  it('starts sessions in quick mode unless the environment already chose a mode', () => {
    expect(run(undefined)).toBe('quick');
    expect(run('full')).toBe('full');
    expect(COURSE_MODES).toContain(parseCourseMode(run(undefined)));
  });
});

const readme = existsSync(join(ROOT, 'README.md')) ? readFileSync(join(ROOT, 'README.md'), 'utf8') : '';
const badges = [...readme.matchAll(/https:\/\/mybinder\.org\/v2\/gh\/[^\s)"]+/g)].map((match) => match[0]);
if (badges.length === 0) console.log('test/binder: README.md has no mybinder.org badge yet; the badge check is skipped.');

describe.skipIf(badges.length === 0)('the README Binder badge', () => {
  it('opens JupyterLab on the first notebook, which exists', () => {
    for (const badge of badges) {
      const urlpath = new URL(badge).searchParams.get('urlpath');
      expect(urlpath, badge).toBe(BINDER_URLPATH);
      expect(existsSync(join(ROOT, BINDER_URLPATH.replace(/^lab\/tree\//, ''))), badge).toBe(true);
    }
  });
});
