// Runs submitted function source on given arguments in a node:vm context inside a worker thread, with time and memory limits.
//
// What this does and does not protect against, honestly: node:vm is NOT a security boundary (Node's docs say so).
// The context has no require, process, module, timers, eval or new Function (code generation from strings is off),
// arguments go in and results come out as JSON strings so no host object is handed over, each call has a vm timeout
// (microtasks included), and the worker has a heap limit and a watchdog that terminates it. That stops accidents
// (infinite loops, runaway memory, a stray require) and casual misuse. A determined attacker may still find an
// escape through V8 or Node bugs: run a course server with untrusted students as an unprivileged user in a
// container, or swap this module for a process-level sandbox (isolated-vm, a separate container per run).
import { Worker } from 'node:worker_threads';

/** Limits for one sandbox run. */
export interface SandboxLimits {
  /** Per call; the first call that times out stops the run. */
  timeoutMs: number;
  /** Worker heap limit. 256 MB holds a 784x784 float64 intermediate many times over. */
  memoryMb?: number;
}

/** One call's outcome: a numeric result flattened row-major with its shape, or the error it threw. */
export type SandboxCallResult =
  | { ok: true; shape: number[]; values: number[] }
  | { ok: false; error: string };

/** A whole run: either the source did not compile/define the function, or one result per argument list. */
export interface SandboxRun {
  compileError?: string;
  results: SandboxCallResult[];
}

// Results longer than this are refused, so a student's output cannot exhaust the host.
const MAX_RESULT_VALUES = 4_000_000;

// Trusted harness run inside the context for each call: it calls the student's function and turns the result
// into a JSON string, so only a primitive string crosses back. It reads helpers captured before student code ran.
const CALL_HARNESS = `(function () {
  const out = __entry(...__parse(__args));
  let shape, flat;
  if (__isArray(out) && out.length > 0 && (__isArray(out[0]) || __isView(out[0]))) {
    shape = [out.length, out[0].length];
    flat = [];
    for (const row of out) {
      if (row.length !== shape[1]) throw new Error('rows have different lengths');
      for (let j = 0; j < row.length; j++) flat.push(row[j]);
    }
  } else if (__isArray(out) || __isView(out)) { shape = [out.length]; flat = Array.from(out); }
  else throw new TypeError('expected an array of rows or a flat (typed) array, got ' + (out === null ? 'null' : typeof out));
  if (flat.length > __maxValues) throw new RangeError('the result has ' + flat.length + ' values, too many');
  return __stringify({ shape, values: flat.map((v) => typeof v === 'number' ? (Number.isFinite(v) ? v : String(v)) : 'not a number') });
})()`;

// The worker's own code (CommonJS, run with eval: true). It is ours; student code only ever runs inside `context`.
const WORKER_SOURCE = `
const vm = require('node:vm');
const { parentPort, workerData } = require('node:worker_threads');
const { source, entry, argsJson, timeoutMs, maxValues, harness } = workerData;
const context = vm.createContext(Object.create(null), {
  name: 'submission', codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate',
});
const options = { timeout: timeoutMs, displayErrors: false };
const describe = (error) => (error && typeof error === 'object' && 'message' in error) ? String(error.name || 'Error') + ': ' + String(error.message) : String(error);
vm.runInContext('const __parse = JSON.parse, __stringify = JSON.stringify, __isArray = Array.isArray, __isView = ArrayBuffer.isView, __maxValues = ' + maxValues + ';', context, options);
let compileError;
try {
  let isExpression = true;
  try { new vm.Script('(' + source + '\\n)'); } catch { isExpression = false; }
  if (isExpression) vm.runInContext('globalThis.__entry = (' + source + '\\n);', context, options);
  else {
    vm.runInContext(source, context, options);
    vm.runInContext('globalThis.__entry = (typeof ' + entry + ' === "function") ? ' + entry + ' : undefined;', context, options);
  }
  if (vm.runInContext('typeof globalThis.__entry', context, options) !== 'function') compileError = 'The source defines no function named ' + entry + '.';
} catch (error) { compileError = describe(error); }
const results = [];
if (compileError === undefined) {
  for (const args of argsJson) {
    context.__args = args;
    try {
      const text = vm.runInContext(harness, context, options);
      if (typeof text !== 'string') throw new TypeError('the harness returned no text');
      results.push({ ok: true, ...JSON.parse(text) });
    } catch (error) {
      results.push({ ok: false, error: describe(error) });
      if (error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') break;
    }
  }
}
parentPort.postMessage({ compileError, results });
`;

/**
 * Calls the function `entry` defined by `source` once per argument list (each JSON-serializable) in a fresh
 * sandbox. Never throws for student errors: they come back as `compileError` or `{ ok: false, error }`.
 * Values that are not finite numbers come back as NaN.
 */
export function runInSandbox(source: string, entry: string, argsList: unknown[][], limits: SandboxLimits): Promise<SandboxRun> {
  if (!/^[A-Za-z_$][\w$]*$/.test(entry)) throw new TypeError(`entry must be an identifier, got ${JSON.stringify(entry)}`);
  const workerData = { source, entry, argsJson: argsList.map((args) => JSON.stringify(args)), timeoutMs: limits.timeoutMs, maxValues: MAX_RESULT_VALUES, harness: CALL_HARNESS };
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb ?? 256, stackSizeMb: 4 } });
    let settled = false;
    const finish = (run: SandboxRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void worker.terminate();
      resolve(run);
    };
    // The vm timeout covers each call; the watchdog covers everything else (startup, a hang between calls).
    const watchdog = setTimeout(() => finish({ compileError: `Stopped after ${limits.timeoutMs * (argsList.length + 1) + 5000} ms without finishing.`, results: [] }), limits.timeoutMs * (argsList.length + 1) + 5000);
    worker.once('message', (message: { compileError?: string; results: Array<{ ok: boolean; shape?: number[]; values?: Array<number | string>; error?: string }> }) => {
      finish({
        ...(message.compileError === undefined ? {} : { compileError: message.compileError }),
        results: message.results.map((result): SandboxCallResult =>
          result.ok ? { ok: true, shape: result.shape ?? [], values: (result.values ?? []).map((v) => (typeof v === 'number' ? v : Number(v))) } : { ok: false, error: result.error ?? 'unknown error' },
        ),
      });
    });
    worker.once('error', (error) => finish({ compileError: `The sandbox stopped: ${error.message}`, results: [] }));
    worker.once('exit', (code) => finish({ compileError: `The sandbox exited (code ${code}) before answering.`, results: [] }));
  });
}
