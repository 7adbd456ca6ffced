// Test helper: a throwaway project laid out like ours (ESM dist with types, notebooks/ beside it) for the fixtures.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const FIXTURES_DIR = join(here, 'fixtures');

/** The library modules notebooks call, compiled for the fixture's dist/ exactly as tsconfig.build.json would. */
const NOTEBOOK_MODULES = ['mode.ts', 'result.ts', 'kernel-display.ts'].map((name) => join(REPO_ROOT, 'src', 'course', name));

export interface FixtureProject {
  root: string;
  notebooksDir: string;
  dispose: () => void;
}

/**
 * Creates `<tmp>/{package.json (type: module), node_modules -> ours, dist/*.js + *.d.ts, notebooks/*.ipynb}` so
 * notebooks import `../dist/result.js` as the course's notebooks import `../dist/src/index.js`.
 */
export function createFixtureProject(notebooks: string[] = readdirSync(FIXTURES_DIR).filter((n) => n.endsWith('.ipynb'))): FixtureProject {
  const root = mkdtempSync(join(tmpdir(), 'course-fixture-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'course-fixture', private: true, type: 'module' }));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  compile(join(root, 'dist'));
  const notebooksDir = join(root, 'notebooks');
  mkdirSync(notebooksDir);
  for (const name of notebooks) cpSync(join(FIXTURES_DIR, name), join(notebooksDir, name));
  return { root, notebooksDir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

function compile(outDir: string): void {
  const program = ts.createProgram(NOTEBOOK_MODULES, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    declaration: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: join(REPO_ROOT, 'src', 'course'),
    outDir,
  });
  const emitted = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(emitted.diagnostics);
  if (errors.length > 0) {
    throw new Error(`Expected the notebook modules to compile, got:\n${ts.formatDiagnostics(errors, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => '\n',
    })}`);
  }
}
