// One Jupyter kernel process driven over ZeroMQ: start it from a connection file, execute code, interrupt, shut down.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import {
  buildMessage, channelAddress, createConnectionInfo, parseMessage, serializeMessage,
  type ConnectionInfo, type JupyterMessage,
} from './protocol.js';

/** How long a kernel may take to answer its first kernel_info_request; tslab needs ~2 s, more on a busy machine. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
/** After an interrupt (SIGINT), how long to wait for the kernel to report the cell as failed. */
export const INTERRUPT_GRACE_MS = 3_000;
/** How long a kernel may take to exit after shutdown_request before it is killed. */
export const SHUTDOWN_GRACE_MS = 3_000;
/** Kernel process output kept for error reports (native crashes such as V8's out-of-memory write there). */
const LOG_TAIL_CHARS = 4_000;
/** After the kernel process exits, how long its stdout/stderr may take to deliver their last bytes. */
const EXIT_DRAIN_MS = 500;
/** Fresh ports per attempt: another process may take a port between our probe and the kernel's bind. */
const START_ATTEMPTS = 3;
/** What tslab prints (and then hangs, alive but deaf) when a port from the connection file is taken. */
const PORT_CONFLICT = /EADDRINUSE|Address already in use/;
/** Between kernel_info_request retries while the kernel binds its sockets and our iopub subscription settles. */
const READY_POLL_MS = 250;

/** Options for {@link startKernel}. */
export interface KernelOptions {
  /** Working directory of the kernel: Jupyter uses the notebook's folder, and tslab compiles cells with rootDir = cwd. */
  cwd: string;
  /** Variables added to the kernel's environment (on top of this process's). */
  env?: Record<string, string>;
  /** Kernel argv with a `{connection_file}` placeholder, as in kernel.json; default {@link tslabKernelArgv}. */
  argv?: readonly string[];
  /** Default {@link DEFAULT_STARTUP_TIMEOUT_MS}. */
  startupTimeoutMs?: number;
}

/** How one execute_request ended. 'abort' is tslab's answer to requests queued behind a failed one. */
export type ExecuteStatus = 'ok' | 'error' | 'abort' | 'timeout' | 'died';

export interface ExecuteOutcome {
  status: ExecuteStatus;
  executionCount: number | null;
  elapsedMs: number;
}

export interface ExecuteOptions {
  /** Receives every iopub message of this request except `status` (stream, display_data, ...), in arrival order. */
  onMessage: (message: JupyterMessage) => void;
  /** Interrupt the cell after this long; undefined waits forever. */
  timeoutMs?: number;
}

/** The kernel did not start: its process exited or never answered. */
export class KernelStartError extends Error {
  override name = 'KernelStartError';
}

/** The kernel could not bind a port of its connection file; {@link startKernel} retries with fresh ports. */
export class KernelPortConflictError extends KernelStartError {
  override name = 'KernelPortConflictError';
}

/**
 * The preload that turns off tslab's file watching (see src/kernel/no-watch.cts), compiled to dist/; found from
 * dist/src/course (the CLI) or src/course (tests run from source after a build). Undefined before the first build.
 */
export function noWatchPreload(): string | undefined {
  const candidates = ['../kernel/no-watch.cjs', '../../dist/src/kernel/no-watch.cjs'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((path) => existsSync(path));
}

/**
 * The argv Jupyter would use for our tslab, run with this Node (so the kernel gets Node >= 20.19 and require(esm)),
 * with tslab's file watching turned off (a file changing mid-cell otherwise breaks the next cell's compilation).
 */
export function tslabKernelArgv(): string[] {
  const tslabPackage = createRequire(import.meta.url).resolve('tslab/package.json');
  const preload = noWatchPreload();
  return [process.execPath, ...(preload ? ['--require', preload] : []), join(dirname(tslabPackage), 'bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'];
}

/** Starts a kernel process and resolves once it answers on shell and publishes on iopub. */
export async function startKernel(options: KernelOptions): Promise<KernelClient> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startKernelOnce(options);
    } catch (error) {
      if (!(error instanceof KernelPortConflictError) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startKernelOnce(options: KernelOptions): Promise<KernelClient> {
  const info = await createConnectionInfo();
  const folder = mkdtempSync(join(tmpdir(), 'mnist-course-kernel-'));
  const connectionFile = join(folder, 'connection.json');
  writeFileSync(connectionFile, JSON.stringify(info), { mode: 0o600 });
  const [command, ...args] = (options.argv ?? tslabKernelArgv()).map((part) => part.replaceAll('{connection_file}', connectionFile));
  if (command === undefined) throw new KernelStartError('Expected a kernel argv with at least a command, got an empty list.');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kernel = new KernelClient(child, info, folder);
  try {
    await kernel.waitUntilReady(options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
  } catch (error) {
    await kernel.shutdown({ graceful: false }); // it never answered, so it would not hear a shutdown_request
    throw error;
  }
  return kernel;
}

/** A running kernel. Create with {@link startKernel}; always end with {@link KernelClient.shutdown}. */
export class KernelClient {
  private readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly replyHandlers = new Map<string, (message: JupyterMessage) => void>();
  private readonly iopubHandlers = new Map<string, (message: JupyterMessage) => void>();
  private readonly exited: Promise<void>;
  private exitDescription: string | null = null;
  private logTail = '';
  private iopubSeen = false;
  private shuttingDown: Promise<void> | undefined;

  /** @internal use {@link startKernel}. */
  constructor(private readonly child: ChildProcess, private readonly info: ConnectionInfo, private readonly folder: string) {
    const keepTail = (chunk: Buffer): void => {
      this.logTail = (this.logTail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.exitDescription = `could not be spawned: ${error.message}`;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitDescription = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        // Wait for the pipes to drain (a crash message is often the last thing written), but not on a grandchild.
        child.once('close', () => resolve());
        setTimeout(resolve, EXIT_DRAIN_MS).unref();
      });
    });
    this.shell.connect(channelAddress(info, 'shell'));
    this.control.connect(channelAddress(info, 'control'));
    this.iopub.connect(channelAddress(info, 'iopub'));
    this.iopub.subscribe();
    void this.route(this.shell, this.replyHandlers);
    void this.route(this.control, this.replyHandlers);
    void this.route(this.iopub, this.iopubHandlers, () => { this.iopubSeen = true; });
  }

  /** Null while the kernel runs, else how it ended, e.g. "exited with code 1" or "was killed by SIGKILL". */
  get exitReason(): string | null {
    return this.exitDescription;
  }

  /** The kernel process's own stdout/stderr (cell output goes to iopub instead), last few thousand characters. */
  get log(): string {
    return this.logTail;
  }

  /** @internal Polls kernel_info_request until a reply arrives and iopub has delivered at least one message. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let replied = false;
    while (!(replied && this.iopubSeen)) {
      if (PORT_CONFLICT.test(this.logTail)) {
        throw new KernelPortConflictError(`Expected the kernel to bind its ports, but one was taken. Kernel log:\n${this.logTail}`);
      }
      if (this.exitDescription !== null) {
        throw new KernelStartError(`Expected the kernel to start, but it ${this.exitDescription}. Kernel log:\n${this.logTail}`);
      }
      if (Date.now() > deadline) {
        throw new KernelStartError(`Expected the kernel to answer within ${timeoutMs} ms, it did not. Kernel log:\n${this.logTail}`);
      }
      const request = buildMessage('kernel_info_request', {}, this.session);
      this.replyHandlers.set(request.header.msg_id, () => { replied = true; });
      await this.shell.send(serializeMessage(request, this.info.key));
      await Promise.race([sleep(READY_POLL_MS), this.exited]);
    }
    this.replyHandlers.clear();
  }

  /** Runs `code` as one cell. Resolves when both the execute_reply and the idle status arrived (never rejects). */
  async execute(code: string, options: ExecuteOptions): Promise<ExecuteOutcome> {
    const started = Date.now();
    const elapsed = (): number => Date.now() - started;
    if (this.exitDescription !== null) return { status: 'died', executionCount: null, elapsedMs: 0 };
    const request = buildMessage('execute_request', {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
    }, this.session);
    const id = request.header.msg_id;
    let reply: JupyterMessage | undefined;
    let idle = false;
    const done = new Promise<void>((resolve) => {
      this.replyHandlers.set(id, (message) => {
        reply = message;
        if (idle) resolve();
      });
      // Kept after the cell ends: output from work the cell left running still belongs to it, as in Jupyter.
      this.iopubHandlers.set(id, (message) => {
        if (message.header.msg_type !== 'status') return options.onMessage(message);
        if (message.content['execution_state'] !== 'idle') return;
        idle = true;
        if (reply !== undefined) resolve();
      });
    });
    await this.shell.send(serializeMessage(request, this.info.key));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      if (options.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    });
    const first = await Promise.race([done.then(() => 'done' as const), timeout, this.exited.then(() => 'died' as const)]);
    clearTimeout(timer);
    if (first === 'timeout') {
      this.interrupt();
      await Promise.race([done, sleep(INTERRUPT_GRACE_MS), this.exited]);
    }
    this.replyHandlers.delete(id);
    if (first !== 'done') return { status: first, executionCount: null, elapsedMs: elapsed() };
    const content = reply?.content ?? {};
    const status = content['status'];
    const count = content['execution_count'];
    return {
      status: status === 'ok' || status === 'abort' ? status : 'error',
      executionCount: typeof count === 'number' ? count : null,
      elapsedMs: elapsed(),
    };
  }

  /** Sends SIGINT, the interrupt_mode "signal" that tslab's kernel.json implies: it fails the running cell. */
  interrupt(): void {
    if (this.exitDescription === null) this.child.kill('SIGINT');
  }

  /**
   * Asks the kernel to exit on the control channel, kills it after {@link SHUTDOWN_GRACE_MS} (at once when not
   * graceful), releases sockets and files. Calling it again returns the first call's promise.
   */
  shutdown(options: { graceful?: boolean } = {}): Promise<void> {
    this.shuttingDown ??= this.shutdownOnce(options.graceful ?? true);
    return this.shuttingDown;
  }

  private async shutdownOnce(graceful: boolean): Promise<void> {
    if (graceful && this.exitDescription === null) {
      const request = buildMessage('shutdown_request', { restart: false }, this.session);
      await Promise.race([this.control.send(serializeMessage(request, this.info.key)), sleep(SHUTDOWN_GRACE_MS)]);
      await Promise.race([this.exited, sleep(SHUTDOWN_GRACE_MS)]);
    }
    if (this.exitDescription === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    this.replyHandlers.clear();
    this.iopubHandlers.clear();
    rmSync(this.folder, { recursive: true, force: true });
  }

  private async route(
    socket: zmq.Dealer | zmq.Subscriber,
    handlers: Map<string, (message: JupyterMessage) => void>,
    onAny?: () => void,
  ): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = parseMessage(frames, this.info.key);
        } catch {
          continue; // unsigned or foreign traffic is dropped, as Jupyter clients do
        }
        onAny?.();
        const parentId = message.parent_header.msg_id;
        if (parentId !== undefined) handlers.get(parentId)?.(message);
      }
    } catch {
      // The socket was closed (shutdown) or the context is gone; either way nothing more will arrive.
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
