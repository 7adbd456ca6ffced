// The course command: parse flags, then run the notebooks, strip their outputs, or check that they are clean.
import { parseArgs } from 'node:util';
import { cleanNotebooks, findUncleanNotebooks } from './clean.js';
import { parseCourseMode, type CourseMode } from './mode.js';
import type { ParameterValue } from './notebook.js';
import { DEFAULT_NOTEBOOKS_DIR, DEFAULT_OUT_DIR, listNotebooks, resolveNotebook, runCourse } from './runner.js';

export const USAGE = `Usage: npm run course -- [notebook ...] [options]

Runs each notebook (default: every notebooks/*.ipynb, by name) on a fresh tslab kernel,
writes executed copies and report.json / report.md to the output folder, and exits 1 if any cell failed.

Options:
  --quick               quick mode: small subsets, one short epoch (MNIST_COURSE_MODE=quick)
  --full                full mode (default)
  --mode quick|full     the same, spelled out
  -p, --param name=value
                        extra value for the cell injected after the notebook's "parameters" cell
                        (value is JSON if it parses, else a string); repeatable
  --timeout SECONDS     interrupt and fail a cell that runs longer (default: no limit)
  --out DIR             output folder (default ${DEFAULT_OUT_DIR})
  --notebooks-dir DIR   where notebooks live (default ${DEFAULT_NOTEBOOKS_DIR})
  --clean               strip outputs and execution counts from the notebooks in place, run nothing
  --check-clean         exit 1 if a notebook carries outputs (what CI checks before committing)
  -h, --help            this text

Exit codes: 0 all notebooks passed, 1 a notebook failed (or is not clean), 2 bad arguments, 130 interrupted.`;

/** Bad command-line arguments. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions {
  notebooks: string[];
  mode: CourseMode;
  parameters: Record<string, ParameterValue>;
  cellTimeoutMs: number | undefined;
  outDir: string;
  notebooksDir: string;
  action: 'run' | 'clean' | 'check-clean' | 'help';
}

/** Parses `argv` (without node and script); throws UsageError. */
export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        quick: { type: 'boolean' }, full: { type: 'boolean' }, mode: { type: 'string' },
        param: { type: 'string', short: 'p', multiple: true }, timeout: { type: 'string' },
        out: { type: 'string' }, 'notebooks-dir': { type: 'string' },
        clean: { type: 'boolean' }, 'check-clean': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.quick && values.full) throw new UsageError('Expected at most one of --quick and --full, got both.');
  const mode = values.mode !== undefined ? parseCourseMode(values.mode) : values.quick ? 'quick' : 'full';
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`Expected --timeout to be a positive number of seconds, got '${values.timeout}'.`);
  const action = values.help ? 'help' : values.clean ? 'clean' : values['check-clean'] ? 'check-clean' : 'run';
  return {
    notebooks: positionals,
    mode,
    parameters: Object.fromEntries((values.param ?? []).map(parseParameter)),
    cellTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    outDir: values.out ?? DEFAULT_OUT_DIR,
    notebooksDir: values['notebooks-dir'] ?? DEFAULT_NOTEBOOKS_DIR,
    action,
  };
}

/** `name=value`: JSON when the value parses to a string, number, boolean or null, else the raw string. */
export function parseParameter(text: string): [string, ParameterValue] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`Expected -p name=value, got '${text}'.`);
  const raw = text.slice(at + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // not JSON: keep the string
  }
  const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  return [text.slice(0, at), scalar ? (value as ParameterValue) : raw];
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options.action === 'help') {
    console.log(USAGE);
    return 0;
  }
  const paths = (): string[] => (options.notebooks.length > 0
    ? options.notebooks.map((name) => resolveNotebook(name, options.notebooksDir))
    : listNotebooks(options.notebooksDir));
  if (options.action === 'clean') {
    const changed = cleanNotebooks(paths());
    console.log(changed.length === 0 ? 'All notebooks were already clean.' : `Stripped outputs from: ${changed.join(', ')}`);
    return 0;
  }
  if (options.action === 'check-clean') {
    const unclean = findUncleanNotebooks(paths());
    for (const notebook of unclean) {
      console.error(`${notebook.path}: ${notebook.cells.map((c) => `cell ${c.cell} has ${c.problem}`).join('; ')}`);
    }
    if (unclean.length > 0) console.error('Notebooks are committed without outputs: run `npm run course -- --clean`.');
    return unclean.length === 0 ? 0 : 1;
  }
  // First Ctrl-C: stop the running kernel, skip the rest, still write the report. Second: leave at once.
  const interrupt = new AbortController();
  const onInterrupt = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    console.log('Interrupted: stopping the kernel (Ctrl-C again to quit at once).');
    interrupt.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const report = await runCourse({
      notebooks: options.notebooks, notebooksDir: options.notebooksDir, outDir: options.outDir,
      mode: options.mode, parameters: options.parameters, cellTimeoutMs: options.cellTimeoutMs, signal: interrupt.signal,
    });
    return interrupt.signal.aborted ? 130 : report.failed === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
