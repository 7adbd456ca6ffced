// Inside the tslab kernel, queue ZeroMQ sends so frequent display updates cannot crash it (zeromq.js 6 EBUSY).
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The shape of zeromq.js 6 socket classes we patch: `send` returns a promise, and a second call while one is
 * still pending throws "Socket is busy writing" (EBUSY).
 */
interface SocketClass {
  prototype: { send(message: unknown): Promise<void> };
}

const PATCHED = Symbol.for('mnist-course.serializedSend');

/**
 * Makes every `send` on the given socket classes wait for the previous one on the same socket.
 *
 * Why: tslab 1.0.22 calls `socket.send()` without awaiting it. When the kernel publishes quickly (a progress bar
 * updated in place, printing, status messages) a send can still be pending when the next one starts, zeromq.js 6
 * throws EBUSY, and the uncaught error kills the kernel mid-training (seen here after a few thousand steps).
 * Queuing keeps the order of messages and loses none. Idempotent. Returns the number of classes patched now.
 */
export function serializeSends(classes: readonly SocketClass[]): number {
  let patched = 0;
  for (const socketClass of classes) {
    const proto = socketClass.prototype as SocketClass['prototype'] & { [PATCHED]?: true };
    if (proto[PATCHED]) continue;
    const send = proto.send;
    const tails = new WeakMap<object, Promise<unknown>>();
    const queuedSend = function queuedSend(this: object, message: unknown): Promise<void> {
      const previous = tails.get(this) ?? Promise.resolve();
      const result = previous.then(() => send.call(this, message));
      // The next send waits for this one whether it succeeds or fails. tslab never awaits its sends, so a failure is
      // logged on the kernel's stderr here instead of becoming an unhandled rejection that would end the kernel.
      tails.set(this, result.catch((error: unknown) => console.error(`kernel message not sent: ${String(error)}`)));
      return result;
    };
    // defineProperty, not assignment: zeromq's native base class makes `send` read-only for plain assignment.
    Object.defineProperty(proto, 'send', { value: queuedSend, writable: true, configurable: true });
    Object.defineProperty(proto, PATCHED, { value: true });
    patched += 1;
  }
  return patched;
}

/** True when this process is a tslab kernel (`tslab kernel --config-path ...`). */
export function isTslabKernel(argv: readonly string[] = process.argv): boolean {
  return argv.some((arg) => /tslab/.test(arg)) && argv.includes('kernel');
}

/**
 * In a tslab kernel, serializes the sends of the zeromq copy tslab itself uses (resolved from the kernel's script,
 * so a globally installed tslab is covered too). Does nothing elsewhere. Unhandled send failures are logged, not fatal.
 */
export function serializeKernelSends(argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  if (!isTslabKernel(argv) || script === undefined) return false;
  try {
    const zmq = createRequire(realpathSync(script))('zeromq') as Record<string, SocketClass | undefined>;
    const classes = ['Publisher', 'Router'].map((name) => zmq[name]).filter((c): c is SocketClass => c !== undefined);
    serializeSends(classes);
    return true;
  } catch {
    return false; // not a zeromq-based tslab: nothing to fix
  }
}
