// `npm run bench`: every tutorial model on our TF.js code next to its PyTorch original; writes JSON and BENCHMARKS.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from '../src/backend/index.js';
import { benchmarksMarkdown, formatBenchTables } from './report.js';
import type { BenchResult } from './results.js';
import { runBench } from './run.js';
import { BENCH_MODELS, parseModels } from './specs.js';
import { repoRoot } from './spawn.js';

const USAGE = `Usage: npm run bench [-- options]
  --quick            a smoke test: one short epoch (or 50 iterations) per model, seconds each; never writes BENCHMARKS.md
  --models a,b       only these (${BENCH_MODELS.join(', ')}); BENCHMARKS.md is written only by a full run of all
  --backends a,b     only these of our backends (${BACKEND_NAMES.join(', ')}), of those that start here
  --repeats N        repetitions of each bare-step timing (default 3, quick 1)
  --no-pin           run the children unpinned (default: every child on the same one CPU, with taskset)
  --no-pytorch       our side only
  --no-data          skip the MNIST loading comparison
  --no-e2e           bare training steps only, no tutorial end to end; never writes BENCHMARKS.md
  --out FILE         the JSON (default out/bench/bench.json, quick: out/bench/bench-quick.json)
  --no-write         print only: no JSON, no BENCHMARKS.md
  --render FILE      no run: print the tables of a saved JSON and write BENCHMARKS.md from it (unless --no-write)`;

/** The markdown file the full run rewrites, at the repository root. */
export const BENCHMARKS_FILE = 'BENCHMARKS.md';

function parseBackends(names: string): BackendName[] {
  const list = names.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of list) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw new RangeError(`Unknown backend '${name}': expected ${BACKEND_NAMES.join(', ')}.`);
  }
  return list as BackendName[];
}

async function writeMarkdown(result: BenchResult): Promise<void> {
  const file = join(repoRoot(), BENCHMARKS_FILE);
  await writeFile(file, benchmarksMarkdown(result));
  console.error(`[bench] wrote ${file}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false }, models: { type: 'string' }, backends: { type: 'string' },
      repeats: { type: 'string' }, 'no-pin': { type: 'boolean', default: false }, 'no-pytorch': { type: 'boolean', default: false }, 'no-data': { type: 'boolean', default: false },
      'no-e2e': { type: 'boolean', default: false },
      out: { type: 'string' }, 'no-write': { type: 'boolean', default: false }, render: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.render !== undefined) {
    const result = JSON.parse(await readFile(values.render, 'utf8')) as BenchResult;
    console.log(formatBenchTables(result));
    // A full run that skipped the tutorials (--no-e2e) has no end-to-end figures for BENCHMARKS.md.
    if (!values['no-write'] && result.mode === 'full' && result.models.every((m) => m.e2e.length > 0)) await writeMarkdown(result);
    return;
  }
  const models = values.models === undefined ? undefined : parseModels(values.models);
  const repeats = values.repeats === undefined ? undefined : Number(values.repeats);
  if (repeats !== undefined && !(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError(`--repeats expects a whole number >= 1, got ${values.repeats}.`);
  const result = await runBench({
    mode: values.quick ? 'quick' : 'full',
    ...(models ? { models } : {}), ...(values.backends ? { backends: parseBackends(values.backends) } : {}),
    ...(repeats ? { repeats } : {}), pin: !values['no-pin'], pytorch: !values['no-pytorch'], data: !values['no-data'], e2e: !values['no-e2e'],
  });
  console.log(formatBenchTables(result));
  if (values['no-write']) return;
  const out = resolve(values.out ?? join(repoRoot(), 'out', 'bench', values.quick ? 'bench-quick.json' : 'bench.json'));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.error(`[bench] wrote ${out}`);
  if (result.mode === 'full' && models === undefined && !values['no-e2e']) await writeMarkdown(result);
  else if (result.mode === 'full') console.error(`[bench] ${BENCHMARKS_FILE} left alone: only a full run of every model, end to end included, rewrites it.`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
