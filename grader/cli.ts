#!/usr/bin/env node
// The `grader` command: serve, tokens, submit, export, show, grade, exercises. Parses flags and calls one library function each.
import { realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend/index.js';
import { submit } from './client.js';
import type { SubmitAnswer } from './client.js';
import { toCsv } from './csv.js';
import { markdownToText } from './feedback.js';
import { COURSE_EXERCISES, withOverrides } from './exercises.js';
import type { ExerciseOverrides } from './exercises.js';
import { gradebookLongCsv, gradebookWideCsv } from './export.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, startServer } from './server.js';
import { GradeStore, defaultDatabasePath } from './store.js';
import { issueInstructorToken, issueStudentTokens, parseStudentsCsv } from './tokens.js';

export const USAGE = `Usage: grader <command> [options]

Commands:
  serve      Run the grading server.
             [--db FILE] [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--max-body-mb ${DEFAULT_MAX_BODY_BYTES / 2 ** 20}] [--queue 64] [--config overrides.json]
  tokens     Issue tokens (stored hashed; printed once).
             --students class.csv (columns student_id,name) [--out tokens.csv] [--instructor] [--db FILE]
  submit     Submit an answer (to $MNIST_GRADER_URL, or graded locally without one).
             --student ID --name NAME --assignment ID --question ID (--model-dir DIR | --code FILE) [--claimed ACC]
             [--server URL] [--token TOKEN] [--db FILE]
  export     Write the gradebook CSV (best and latest attempt per student and question).
             [--db FILE] [--format long|wide] [--out FILE]
  show       List a student's attempts.  --student ID [--db FILE]
  grade      Run a student's notebook headless and grade what it submits.
             NOTEBOOK [--student ID] [--db FILE] [--quick] [--timeout SECONDS]
  exercises  List the exercises and their thresholds.

The database defaults to $MNIST_GRADER_DB, else ${defaultDatabasePath()}.`;

/** A command line the grader cannot act on; printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the CLI writes; replaceable in tests. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

/** Runs one command; resolves to the exit code (0 ok, 1 failure, 2 usage error). `serve` resolves only on shutdown. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': return await serve(rest, io);
      case 'tokens': return await tokens(rest, io);
      case 'submit': return await submitCommand(rest, io);
      case 'export': return await exportCommand(rest, io);
      case 'show': return show(rest, io);
      case 'grade': return await grade(rest, io);
      case 'exercises': return listExercises(io);
      case undefined: case '--help': case '-h': case 'help':
        io.out(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default: throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`grader: ${(error as Error).message}\n${usage ? `\n${USAGE}\n` : ''}`);
    return usage ? 2 : 1;
  }
}

type Flags = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parse<F extends Flags>(args: string[], flags: F, positionals = false) {
  return parseArgs({ args, options: flags, strict: true, allowPositionals: positionals });
}

function required(values: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((name) => typeof values[name] !== 'string' || values[name] === '');
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
}

function positiveNumber(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${flag} must be a non-negative number, got "${text}".`);
  return value;
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { db: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'max-body-mb': { type: 'string' }, queue: { type: 'string' }, config: { type: 'string' } });
  const overrides = values.config ? (JSON.parse(await readFile(values.config, 'utf8')) as ExerciseOverrides) : {};
  const exercises = withOverrides(COURSE_EXERCISES, overrides);
  await initBackend({ log: (line) => io.out(`${line}\n`) });
  const store = GradeStore.open(values.db ? { path: values.db } : {});
  const server = await startServer({
    store, exercises, host: values.host ?? '127.0.0.1', port: positiveNumber(values.port, 'port', DEFAULT_PORT),
    maxBodyBytes: Math.round(positiveNumber(values['max-body-mb'], 'max-body-mb', DEFAULT_MAX_BODY_BYTES / 2 ** 20) * 2 ** 20),
    queueCapacity: Math.floor(positiveNumber(values.queue, 'queue', 64)),
  });
  io.out(`grader listening on ${server.url} (database ${store.path})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => { void server.close().then(() => { store.close(); resolve(); }); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function tokens(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { students: { type: 'string' }, out: { type: 'string' }, instructor: { type: 'boolean' }, db: { type: 'string' } });
  if (!values.students && !values.instructor) throw new UsageError('Give --students class.csv, --instructor, or both.');
  const store = GradeStore.open(values.db ? { path: values.db } : {});
  try {
    if (values.students) {
      const issued = issueStudentTokens(store, parseStudentsCsv(await readFile(values.students, 'utf8')));
      const csv = toCsv([['student_id', 'name', 'token'], ...issued.map((t) => [t.studentId, t.name, t.token])]);
      if (values.out) {
        await writeFile(values.out, csv, { mode: 0o600 });
        io.out(`Issued ${issued.length} student tokens into ${values.out} (only their hashes are in ${store.path}); earlier tokens of these students no longer work.\n`);
      } else io.out(csv);
    }
    if (values.instructor) io.out(`Instructor token (shown once): ${issueInstructorToken(store)}\n`);
  } finally {
    store.close();
  }
  return 0;
}

async function submitCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    student: { type: 'string' }, name: { type: 'string' }, assignment: { type: 'string' }, question: { type: 'string' }, 'model-dir': { type: 'string' },
    code: { type: 'string' }, claimed: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' }, db: { type: 'string' },
  });
  required(values, 'student', 'name', 'assignment', 'question');
  if (Boolean(values['model-dir']) === Boolean(values.code)) throw new UsageError('Give exactly one of --model-dir DIR or --code FILE.');
  if (!values.server && !process.env['MNIST_GRADER_URL']) await initBackend({ log: () => undefined });
  const answer: SubmitAnswer = values['model-dir'] ? { modelDir: values['model-dir'] } : { code: await readFile(values.code as string, 'utf8') };
  const result = await submit({
    studentId: values.student as string, name: values.name as string, assignmentId: values.assignment as string, questionId: values.question as string, answer,
    ...(values.claimed === undefined ? {} : { claimed: values.claimed }), ...(values.server ? { serverUrl: values.server } : {}),
    ...(values.token ? { token: values.token } : {}), ...(values.db ? { databasePath: values.db } : {}),
    display: (markdown) => io.out(`${markdownToText(markdown)}\n`), showMisclassified: 0,
  });
  return result.result.passed ? 0 : 1;
}

async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { db: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } });
  const format = values.format ?? 'long';
  if (format !== 'long' && format !== 'wide') throw new UsageError(`--format must be long or wide, got "${format}".`);
  const store = GradeStore.open(values.db ? { path: values.db } : {});
  const rows = store.gradebook();
  store.close();
  const csv = format === 'wide' ? gradebookWideCsv(rows) : gradebookLongCsv(rows);
  if (values.out) await writeFile(values.out, csv);
  else io.out(csv);
  return 0;
}

function show(args: string[], io: CliIo): number {
  const { values } = parse(args, { student: { type: 'string' }, db: { type: 'string' } });
  required(values, 'student');
  const store = GradeStore.open(values.db ? { path: values.db } : {});
  const attempts = store.attempts({ studentId: values.student as string });
  store.close();
  if (attempts.length === 0) io.out(`No attempts by ${values.student}.\n`);
  for (const a of attempts) {
    const measured = a.measured === null ? 'not evaluated' : `measured ${(a.measured * 100).toFixed(2)}%`;
    const flags = [a.passed ? 'passed' : 'not passed', a.claimFlagged ? 'claim flagged' : ''].filter(Boolean).join(', ');
    io.out(`${a.createdAt}  ${a.assignmentId}/${a.questionId}  attempt ${a.attemptNumber}  ${a.score}/${a.maxPoints}  ${measured}  ${flags}  sha256 ${a.sha256?.slice(0, 12) ?? '-'}\n`);
  }
  return 0;
}

async function grade(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { student: { type: 'string' }, db: { type: 'string' }, quick: { type: 'boolean' }, timeout: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(`grade needs exactly one notebook, got ${positionals.length}.`);
  const timeout = values.timeout === undefined ? undefined : positiveNumber(values.timeout, 'timeout', 0) * 1000;
  // Loaded on demand: the kernel client brings zeromq, which no other command needs.
  const { gradeNotebook } = await import('./notebook-grade.js');
  const outcome = await gradeNotebook({
    notebook: positionals[0] as string, databasePath: values.db ?? defaultDatabasePath(), mode: values.quick ? 'quick' : 'full',
    ...(values.student ? { studentId: values.student } : {}), ...(timeout === undefined ? {} : { cellTimeoutMs: timeout }), log: (line) => io.out(`${line}\n`),
  });
  io.out(`Ran ${outcome.codeCellsRun} of ${outcome.codeCells} code cells.\n`);
  if (outcome.failure) io.out(`Stopped at cell ${outcome.failure.cell}: ${outcome.failure.ename}: ${outcome.failure.evalue.split('\n')[0]}\n`);
  for (const a of outcome.attempts) io.out(`Recorded ${a.studentId} ${a.assignmentId}/${a.questionId} attempt ${a.attemptNumber}: ${a.score}/${a.maxPoints}${a.passed ? ' (passed)' : ''}\n`);
  if (outcome.attempts.length === 0) io.out('The notebook recorded no submission.\n');
  for (const a of outcome.mismatched) io.err(`warning: attempt ${a.id} was submitted as ${a.studentId}, not ${values.student}.\n`);
  return outcome.failure === null && outcome.attempts.length > 0 && outcome.mismatched.length === 0 ? 0 : 1;
}

function listExercises(io: CliIo): number {
  for (const e of COURSE_EXERCISES) {
    const rule = e.kind === 'model-accuracy' ? `${e.dataset} test accuracy >= ${(e.threshold * 100).toFixed(1)}%` : `function ${e.entry}: all ${e.shapes.length} hidden cases`;
    io.out(`${e.id}  ${e.points} points  ${rule}  (${e.title})\n`);
  }
  return 0;
}

// Run when executed as the bin (through npm's symlink too), not when imported by tests.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
