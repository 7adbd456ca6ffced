// One measurement of our side in its own process (so its peak memory is its own): `node dist/bench/child.js <command> ...`.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, BackendUnavailableError, initBackend, type BackendInfo, type BackendName } from '../src/backend/index.js';
import { benchData } from './data.js';
import { runOurTutorial } from './ours.js';
import { RESULT_MARKER } from './spawn.js';
import { timeOurSteps } from './ours_steps.js';
import { TUTORIAL_SPECS, parseModels } from './specs.js';


/** Backends that start here, with their versions and threads, and why the others do not. */
async function probe(): Promise<Record<string, unknown>> {
  const active = await initBackend({ log: () => {} });
  const available: BackendInfo[] = [];
  const unavailable: Record<string, string> = {};
  for (const backend of BACKEND_NAMES) {
    try {
      available.push(await initBackend({ backend, log: () => {} }));
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      unavailable[backend] = error.message;
    }
  }
  return { active: active.name, activeReason: active.reason, available, unavailable };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' }, backend: { type: 'string' }, 'data-root': { type: 'string' },
      epochs: { type: 'string', default: '1' }, 'train-limit': { type: 'string', default: '0' }, 'test-limit': { type: 'string', default: '0' },
      target: { type: 'string' }, repeats: { type: 'string', default: '3' }, 'min-total-ms': { type: 'string', default: '1000' },
      'min-steps': { type: 'string', default: '10' },
      'spawned-at': { type: 'string' },
    },
  });
  const started = Date.now();
  const command = positionals[0];
  const number = (name: keyof typeof values): number => Number(values[name]);
  let info: BackendInfo | undefined;
  if (values.backend !== undefined) info = await initBackend({ backend: values.backend as BackendName, log: () => {} });
  const ready = Date.now();
  let result: Record<string, unknown>;
  if (command === 'probe') {
    result = await probe();
  } else if (command === 'data') {
    result = { rows: await benchData({ repeats: number('repeats') }) };
  } else {
    const [model] = parseModels(values.model ?? '');
    if (model === undefined) throw new RangeError(`${command} needs --model`);
    const { batchSize } = TUTORIAL_SPECS[model];
    if (command === 'step') {
      result = { model, batchSize, runs: await timeOurSteps(model, batchSize, number('repeats'), { minTotalMs: number('min-total-ms'), minSteps: number('min-steps') }) };
    } else if (command === 'e2e') {
      result = { ...await runOurTutorial(model, {
        dataRoot: values['data-root'] ?? '', epochs: number('epochs'), trainLimit: number('train-limit'), testLimit: number('test-limit'),
        ...(values.target !== undefined ? { target: Number(values.target) } : {}),
      }) };
    } else {
      throw new RangeError(`Unknown command '${command}': expected probe, data, step or e2e.`);
    }
  }
  const usage = process.resourceUsage();
  result = {
    ...result,
    ...(info ? { backend: info.name, threads: info.threads ?? null, versions: info.versions } : { tfjs: tf.version_core }),
    maxRssMb: usage.maxRSS / 1024, // kilobytes
    cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    ...(values['spawned-at'] !== undefined ? { startupS: (ready - Number(values['spawned-at'])) / 1000 } : {}),
    workS: (Date.now() - started) / 1000,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
