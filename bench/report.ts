// The bench's results as plain-text tables (stdout) and as BENCHMARKS.md, both made from the JSON alone.
import type { BenchResult, E2eFigure, ModelResult, StepFigure } from './results.js';

/** Above this 1-minute load per core the machine was busy with other work and we say so. */
export const BUSY_LOAD_PER_CORE = 0.75;

type Cell = string;

/** Aligned columns for the terminal, or a GitHub table. */
export function table(header: Cell[], rows: Cell[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: Cell[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: Cell[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const fixed = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const thousands = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');
const ratio = (value: number | null | undefined): string => (value === null || value === undefined ? '-' : `${value.toFixed(value < 10 ? 2 : 1)}x`);
const percent = (value: number): string => (value >= 0.1 ? `${(100 * value).toFixed(0)} %` : `${(100 * value).toFixed(value >= 0.001 ? 1 : 2)} %`);
const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
const loads = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');

/** One line on the machine's load during the run, saying plainly when it was busy. */
export function loadLine(result: BenchResult): string {
  const { loadavgStart, loadavgEnd, loadavgMax1m, cores } = result.machine;
  const busy = loadavgMax1m > cores * BUSY_LOAD_PER_CORE;
  return `Load average (1, 5, 15 min): ${loads(loadavgStart)} at the start, ${loads(loadavgEnd)} at the end, highest 1-minute value ${loadavgMax1m.toFixed(2)} on ${cores} cores.` +
    (busy ? ' The machine was busy with other work during the run: absolute times are inflated and noisy, and so are the ratios, whose two sides ran minutes apart.' : '');
}

/** The runner, and where it has compiled steps (native TensorFlow, wasm) how its steps ran: "wasm (compiled)", "tensorflow (eager)". */
function stepRunner(s: StepFigure): string {
  const hasCompiled = s.runner === 'tensorflow' || s.runner === 'wasm';
  return hasCompiled && s.compiled !== null && s.compiled !== undefined ? `${s.runner} (${s.compiled ? 'compiled' : 'eager'})` : s.runner;
}

function stepRows(models: ModelResult[]): Cell[][] {
  return models.flatMap((m) => m.step.map((s: StepFigure) => [
    m.model, String(m.batchSize), stepRunner(s), ms(s.medianMs), ms(s.minMs), thousands(s.samplesPerSecond), percent(s.floorFraction),
    fixed(s.maxRssMb, 0), fixed(s.coresUsed, 2), s.runner === 'pytorch' ? '' : ratio(m.ratios[s.runner]?.step),
  ]));
}

function runLabel(m: ModelResult): string {
  const whole = m.run.trainLimit === 0 && m.run.testLimit === 0;
  const of = `${m.run.epochs} of ${m.tutorialEpochs} ${m.unit}s`;
  return whole ? of : `${of}, ${m.run.trainLimit} / ${m.run.testLimit} images`;
}

function e2eRows(models: ModelResult[]): Cell[][] {
  return models.flatMap((m) => m.e2e.map((e: E2eFigure) => [
    m.model, runLabel(m), e.runner, fixed(e.totalS), fixed(e.loadS, 2), fixed(e.trainS), fixed(e.evalS), thousands(e.samplesPerSecond),
    fixed(e.accuracy, 4), `${fixed(e.timeToTargetS)} (${m.target.accuracy.toFixed(4)})`, fixed(e.projectedTutorialS, 0),
    percent(e.floorFraction), fixed(e.maxRssMb, 0), fixed(e.coresUsed, 2), e.runner === 'pytorch' ? '' : ratio(m.ratios[e.runner]?.e2e),
  ]));
}

const STEP_HEADER = ['model', 'batch', 'runner', 'ms/step', 'fastest', 'samples/s', 'of floor', 'RSS MB', 'cores', 'ours/PyTorch'];
const E2E_HEADER = ['model', 'run', 'runner', 'total s', 'load s', 'train s', 'eval s', 'samples/s', 'accuracy', 'to target s',
  'whole tutorial s', 'of floor', 'RSS MB', 'cores', 'ours/PyTorch'];

/** One row per model and backend of ours: the three ratios to PyTorch. */
function headlineRows(result: BenchResult): Cell[][] {
  return result.models.flatMap((m) => Object.entries(m.ratios).map(([runner, r], i) =>
    [i === 0 ? m.model : '', i === 0 ? m.tutorial : '', runner, ratio(r.step), ratio(r.e2e), ratio(r.timeToTarget)]));
}
const HEADLINE_HEADER = ['model', 'tutorial', 'ours on', 'step', 'end to end', 'to target'];

function dataRows(result: BenchResult): Cell[][] {
  const data = result.data;
  if (data === null) return [];
  return [data.ours, data.pytorch].filter((d) => d !== undefined).map((d) => [
    d.runner, d.method, fixed(d.loadTrainMs, 0), fixed(d.epochMs, 0), fixed(d.maxRssMb, 0),
    d.runner === 'ours' ? ratio(data.ratio) : '',
  ]);
}
const DATA_HEADER = ['runner', 'how', 'load train ms', 'DataLoader epoch ms', 'RSS MB', 'ours/PyTorch'];

function versionsLine(result: BenchResult): string {
  const v = result.versions;
  const torch = result.pytorch.available ? `PyTorch ${v.torch} (torchvision ${v.torchvision ?? 'missing'}, Python ${v.python}, BLAS ${v.blas ?? '?'}), ` +
    `${result.pytorch.threads} thread` : `PyTorch not run: ${result.pytorch.reason ?? '?'}`;
  // Native TensorFlow does not say how many threads it uses; the bench asks it for one (TF_NUM_INTRAOP_THREADS=1).
  const threads = (b: { name: string; threads: number | null }): string =>
    b.threads === null ? '1 thread requested' : `${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  const ours = result.backends.available.map((b) => `${b.name} (${threads(b)})`).join(', ');
  return `Node ${v.node}, TF.js ${v['tfjs-core'] ?? '?'} on ${ours}; active backend ${result.backends.active}. ${torch}.`;
}

/** A few sentences read off the ratios of the active backend (no judgement the numbers do not carry). */
export function summaryLines(result: BenchResult): string[] {
  const active = result.backends.active;
  const pick = (key: 'step' | 'e2e'): { model: string; value: number }[] => result.models
    .flatMap((m) => {
      const value = m.ratios[active]?.[key];
      return value === null || value === undefined ? [] : [{ model: m.model as string, value }];
    })
    .sort((a, b) => a.value - b.value);
  const span = (rows: { model: string; value: number }[]): string =>
    `${ratio(rows[0]?.value)} (${rows[0]?.model}) to ${ratio(rows[rows.length - 1]?.value)} (${rows[rows.length - 1]?.model})`;
  const steps = pick('step');
  const ends = pick('e2e');
  const lines: string[] = [];
  if (steps.length > 0) lines.push(`Bare training step on ${active}: ours takes ${span(steps)} PyTorch's time, both on one thread.`);
  if (ends.length > 0) {
    const sooner = ends.filter((r) => r.value < 1).map((r) => r.model);
    lines.push(`Tutorials end to end on ${active}: ${span(ends)} PyTorch's time` +
      (sooner.length > 0 ? `; ${sooner.join(', ')} finish${sooner.length === 1 ? 'es' : ''} sooner than PyTorch, whose DataLoader applies the transforms image by image (see Loading MNIST).` : '.'));
  }
  if (result.data?.ratio != null) lines.push(`Loading MNIST and one DataLoader pass: ${ratio(result.data.ratio)} PyTorch's time.`);
  return lines;
}

/** The tables for the terminal. */
export function formatBenchTables(result: BenchResult): string {
  const head = `npm run bench (${result.mode} mode), ${result.machine.cpu}, ${result.machine.cores} cores, ${result.durationS.toFixed(0)} s. ${versionsLine(result)}`;
  const parts = [head, loadLine(result), pinningLine(result), allocatorLine(result),
    `Floor: ${result.floor.gflopsPerThread.toFixed(1)} GFLOP/s per thread (${result.floor.source}).`, '',
    'Ours / PyTorch, time ratios (above 1: ours is slower):',
    table(HEADLINE_HEADER, headlineRows(result), false), '',
    'Bare training step (data in memory; median over repetitions of each repetition\'s median step):',
    table(STEP_HEADER, stepRows(result.models), false), '',
    'Tutorial end to end (data loading + training + evaluation after each epoch), one run each:',
    table(E2E_HEADER, e2eRows(result.models), false)];
  if (result.data !== null) parts.push('', 'Loading MNIST train into memory and one shuffled epoch at batch 100:', table(DATA_HEADER, dataRows(result), false));
  const failures = result.models.flatMap((m) => m.failures.map((f) => `${m.model} ${f.what} on ${f.runner}: ${f.error}`));
  for (const line of [...result.notes, ...failures, ...(result.data?.failures ?? [])]) parts.push(`note: ${line}`);
  return parts.join('\n');
}

/** Where the children ran: all on one CPU (taskset), or unpinned. */
export function pinningLine(result: BenchResult): string {
  const cpu = result.machine.pinnedCpu;
  if (cpu === undefined || cpu === null) return 'Children ran unpinned: the scheduler placed each process\'s threads on any core.';
  return `Every child (ours and PyTorch's) ran pinned to CPU ${cpu} (\`taskset -c ${cpu}\`): one thread each is one core each. ` +
    "TensorFlow's oneDNN convolutions run on its intra-op pool thread even with one such thread, the calling thread waiting; " +
    'unpinned, each hand-off between two cores costs a thread wake-up each way (see `npm run bench -- --no-pin`).';
}

/** Which glibc malloc settings the children had. */
export function allocatorLine(result: BenchResult): string {
  const env = result.machine.allocatorEnv;
  if (env === undefined || Object.keys(env).length === 0) return "Children ran with glibc malloc's default thresholds.";
  return `Every child had ${Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' and ')}: glibc keeps large blocks in ` +
    "its heap instead of mapping and unmapping them. With its defaults PyTorch's CNN step alternated between ~1.5 and ~3 ms " +
    'from run to run (its activation buffers returned to the kernel and faulted in again every step); ours was unaffected.';
}

/** BENCHMARKS.md: the figures of one full run, what they mean and how they were taken. */
export function benchmarksMarkdown(result: BenchResult): string {
  const flopsRows = result.models.map((m) => [m.model, thousands(m.flops.forwardPerSample), thousands(m.flops.trainingPerSample),
    `${(60000 * m.flops.trainingPerSample / 1e9).toFixed(1)}`]);
  const failures = result.models.flatMap((m) => m.failures.map((f) => `- ${m.model}, ${f.what} on ${f.runner}: ${f.error}`));
  return `# Benchmarks: the course's TF.js code next to the tutorials' PyTorch

Generated by \`npm run bench\` (${result.mode} mode) from \`out/bench/bench.json\`, started ${result.startedAt}, ${(result.durationS / 60).toFixed(1)} minutes.
Do not edit by hand: rerun the bench (\`npm run bench -- --no-write\` leaves this file alone).

## Machine
- ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, ${result.machine.platform}.
- ${loadLine(result)}
- ${versionsLine(result)}
- Both sides compute on one thread: wasm runs single-threaded under Node, the cpu backend is JavaScript, PyTorch runs
  with \`torch.set_num_threads(1)\` (native TensorFlow, when on NODE_PATH, with TF_NUM_INTRAOP_THREADS=1). "cores" is
  each process's CPU time over its wall time: near 1 when it had a core to itself.
- ${pinningLine(result)}
- ${allocatorLine(result)}
- PyTorch's BLAS: ${result.pytorch.blas}.
- Arithmetic floor: ${result.floor.gflopsPerThread.toFixed(1)} GFLOP/s per thread (${result.floor.source}). "of floor" is the
  time that many FLOPs need at that rate over the time taken.

## In short
${summaryLines(result).map((line) => `- ${line}`).join('\n')}

## Headline: ours / PyTorch
Time ratios (above 1: ours is slower), per model and backend (the active one, ${result.backends.active}, first): the bare
step's median, the tutorial end to end, and the time until the test accuracy first reaches the target ("-": not
reached by both sides in the epochs run).

${table(HEADLINE_HEADER, headlineRows(result), true)}

## Bare training step
Data in memory (one fixed random batch), the tutorial's model, loss, optimizer and batch size; forward, backward,
update and the loss read back (\`loss.item()\`). Ours: \`bench/perf.ts\` (\`timeTrainingSteps\`, through \`fit\`), sgd
in \`bench/ours_steps.ts\` (through \`sgdTrain\`); "(compiled)": each step ran compiled by src/graph, on native TensorFlow as one TensorFlow graph
(oneDNN's kernels for convolutions and batch norm), on wasm as one pass of our kernels without the engine (Dense chains);
"(eager)": op by op. PyTorch: \`bench/pytorch_step.py\` and \`bench/pytorch_tutorials.py\`. Median over
repetitions of each repetition's median step; "fastest" is the fastest single step, the least disturbed by other work.

${table(STEP_HEADER, stepRows(result.models), true)}

## Tutorials end to end
Each tutorial as written, in a fresh process per run: its data loading (our \`loadMnist\` / \`loadOpenMlMnist\` and
\`DataLoader\`; torchvision's \`datasets.MNIST\` and \`DataLoader\` with per-sample transforms), its training loop and its
evaluation, run after every epoch so that the time to the target accuracy can be read (seeds 000 and 002 evaluate
once, at the end; "whole tutorial s" counts their evaluations as the tutorial makes them). Long tutorials run their
first epochs with the tutorial's settings (OneCycleLR still spans 10 epochs); "whole tutorial s" projects the full
tutorial from the measured phases. Seed 001 reads the same 70,000 rows from the IDX files instead of \`fetch_openml\`.
"train s" includes making the batches; for sgd it includes the test accuracy the tutorial measures every iteration.

${table(E2E_HEADER, e2eRows(result.models), true)}

Targets: ${result.models.map((m) => `${m.model} ${m.target.accuracy.toFixed(4)} (${m.target.source})`).join('; ')}.

## Loading MNIST
MNIST's 60,000 training images read into memory (median of repetitions after a warm-up read), then one shuffled pass
of a DataLoader at batch 100 with ToTensor; the ratio is of the two together.

${result.data === null ? 'Not run.' : table(DATA_HEADER, dataRows(result), true)}

## FLOPs per sample
From the layer shapes of our models: 2 FLOPs per multiply-add of each Dense and Conv2D layer. Training a layer costs
3 forward passes (forward, weight gradient, input gradient), the first layer 2 (no gradient for the data); sgd is the
3 matmuls its tutorial writes.

${table(['model', 'forward', 'training', 'training GFLOP per 60,000 samples'], flopsRows, true)}
${[...result.notes.map((n) => `- ${n}`), ...failures].length > 0 ? `\n## Notes\n${[...result.notes.map((n) => `- ${n}`), ...failures].join('\n')}\n` : ''}
## Running it
\`npm run bench\` (full, about ${Math.max(1, Math.round(result.durationS / 60))} minutes here; rewrites this file), \`npm run bench -- --quick\` (seconds per
model, a smoke test; never writes this file), \`--models linear,mlp\`, \`--backends wasm\`, \`--no-pytorch\`, \`--no-e2e\` (bare steps only), \`--no-write\`.
Native TensorFlow joins when tfjs-node is on NODE_PATH: \`NODE_PATH=$(scripts/native/build.sh) npm run bench\`.
PyTorch: \`/usr/bin/python3\` (or \`BENCH_PYTHON\`) with torch and torchvision (Debian: \`apt-get install python3-torchvision\`).
`;
}
