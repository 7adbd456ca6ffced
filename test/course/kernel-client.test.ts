import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelPortConflictError, KernelStartError, startKernel, type KernelClient } from '../../src/course/kernel-client.js';
import type { JupyterMessage } from '../../src/course/protocol.js';
import { createFixtureProject, type FixtureProject } from './fixture-project.js';

/** tslab answers "abort" to requests that arrive within 200 ms of a failed cell (it drains its queue then). */
const TSLAB_ABORT_WINDOW_MS = 250;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let kernel: KernelClient;
let project: FixtureProject;

beforeAll(async () => {
  project = createFixtureProject([]);
  kernel = await startKernel({ cwd: project.notebooksDir, env: { COURSE_TEST_VALUE: 'from-env' } });
});

afterAll(async () => {
  await kernel?.shutdown();
  project?.dispose();
});

async function run(code: string, timeoutMs?: number) {
  const messages: JupyterMessage[] = [];
  const outcome = await kernel.execute(code, { onMessage: (m) => messages.push(m), timeoutMs });
  const text = (name: string) => messages.filter((m) => m.header.msg_type === 'stream' && m.content['name'] === name).map((m) => m.content['text']).join('');
  return { outcome, messages, stdout: text('stdout'), stderr: text('stderr') };
}

describe('a tslab kernel over ZeroMQ', () => {
  it('runs a cell, streams its stdout and counts executions', async () => {
    const { outcome, stdout } = await run('const x: number = 20;\nconsole.log(x + 1);');
    expect(outcome.status).toBe('ok');
    expect(outcome.executionCount).toBe(1);
    expect(stdout).toBe('21\n');
  });

  it("turns off tslab's file watching, so files changing during a long cell cannot break the next one", async () => {
    const code = [
      "const tslabDir = require('path').dirname(require('fs').realpathSync(process.argv[process.argv.indexOf('kernel') - 1]));",
      "const tsForTslab = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));",
      "console.log(tsForTslab.sys.watchDirectory.name, tsForTslab.sys.watchFile.name);",
    ].join('\n');
    expect((await run(code)).stdout).toBe('noWatch noWatch\n');
  });

  it('passes environment variables to the kernel process', async () => {
    expect((await run('console.log(process.env.COURSE_TEST_VALUE)')).stdout).toBe('from-env\n');
  });

  it('awaits at the top level of a cell before replying, and later cells see what it declared', async () => {
    const { outcome, stdout } = await run('const v = await new Promise<string>((r) => setTimeout(() => r("late"), 100));\nconsole.log(v);');
    expect(outcome.status).toBe('ok');
    expect(stdout).toBe('late\n');
    expect((await run('console.log(v.toUpperCase())')).stdout).toBe('LATE\n');
  });

  it('imports our compiled ESM from ../dist and type-checks cells against its .d.ts', async () => {
    const ok = await run("import { formatResult, type HeadlineResult } from '../dist/result.js';\nconst r: HeadlineResult = { name: 'acc', ours: 1, tutorial: 2 };\nconsole.log(formatResult(r));");
    expect(ok.stdout).toBe('acc: ours 1, tutorial 2\n');
    const bad = await run("const wrong: HeadlineResult = { name: 'acc', ours: '1', tutorial: 2 };");
    expect(bad.outcome.status).toBe('error');
    expect(bad.stderr).toMatch(/Type 'string' is not assignable to type 'number'/);
    await pause(TSLAB_ABORT_WINDOW_MS);
  });

  it('reports a type error as status error with the diagnostic on stderr only', async () => {
    const { outcome, messages, stderr } = await run("const bad: number = 'text';");
    expect(outcome.status).toBe('error');
    expect(stderr).toMatch(/^1:7 - Type 'string' is not assignable to type 'number'/);
    expect(messages.some((m) => m.header.msg_type === 'error')).toBe(false);
    await pause(TSLAB_ABORT_WINDOW_MS);
  });

  it('interrupts a cell that runs past its timeout and stays usable', async () => {
    const { outcome } = await run('while (true) {}', 500);
    expect(outcome.status).toBe('timeout');
    await pause(TSLAB_ABORT_WINDOW_MS);
    expect((await run('console.log("alive")')).stdout).toBe('alive\n');
  });

  it('reports a kernel that exits mid-cell as died, with the reason', async () => {
    const { outcome } = await run('process.exit(3);');
    expect(outcome.status).toBe('died');
    expect(kernel.exitReason).toBe('exited with code 3');
    expect((await run('1')).outcome.status).toBe('died');
  });
});

describe('startKernel', () => {
  it('fails with the exit reason and log when the kernel command exits at once', async () => {
    const start = startKernel({ cwd: tmpdir(), argv: [process.execPath, '-e', 'console.error("no kernel here"); process.exit(4)'] });
    await expect(start).rejects.toThrow(KernelStartError);
    await expect(start).rejects.toThrow(/exited with code 4.*\n.*no kernel here/s);
  });

  it('gives up quickly, after retries, on a kernel that cannot bind its ports instead of waiting for it', async () => {
    // What tslab does when a port is taken: print the rejection and stay alive without answering.
    const deaf = 'console.error("UnhandledPromiseRejection: [Error: Address already in use] { code: \'EADDRINUSE\' }"); setInterval(() => {}, 1000)';
    const started = Date.now();
    await expect(startKernel({ cwd: tmpdir(), argv: [process.execPath, '-e', deaf] })).rejects.toThrow(KernelPortConflictError);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
