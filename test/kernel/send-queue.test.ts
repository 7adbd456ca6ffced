// Queued sends keep the tslab kernel alive when it publishes faster than zeromq.js 6 allows.
import { describe, expect, it } from 'vitest';
import { isTslabKernel, serializeKernelSends, serializeSends } from '../../src/kernel/index.js';

/** A socket class that, like zeromq.js 6, refuses a send while the previous one is still pending. */
function busySocketClass() {
  return class BusySocket {
    busy = false;
    delivered: number[] = [];
    send(message: unknown): Promise<void> {
      if (this.busy) throw Object.assign(new Error('Socket is busy writing'), { code: 'EBUSY' });
      this.busy = true;
      return new Promise((resolve) => setTimeout(() => { this.busy = false; this.delivered.push(message as number); resolve(); }, 1));
    }
  };
}

describe('serializeSends', () => {
  it('reproduces the crash without the queue', () => {
    const socket = new (busySocketClass())();
    void socket.send(1);
    expect(() => socket.send(2)).toThrow(/busy/);
  });

  it('delivers every message in order when sends are not awaited', async () => {
    const Socket = busySocketClass();
    expect(serializeSends([Socket])).toBe(1);
    const socket = new Socket();
    const sends = Array.from({ length: 50 }, (_, i) => socket.send(i));
    await Promise.all(sends);
    expect(socket.delivered).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('patches a class once', () => {
    const Socket = busySocketClass();
    serializeSends([Socket]);
    expect(serializeSends([Socket])).toBe(0);
  });

  it('keeps sockets independent and goes on after a failed send', async () => {
    const Socket = busySocketClass();
    const original = Socket.prototype.send;
    let failNext = true;
    Socket.prototype.send = function (this: InstanceType<typeof Socket>, message: unknown) {
      if (failNext) { failNext = false; return Promise.reject(new Error('boom')); }
      return original.call(this, message);
    };
    serializeSends([Socket]);
    const a = new Socket();
    const b = new Socket();
    const errors: unknown[] = [];
    const logged = console.error;
    console.error = (...args: unknown[]) => { errors.push(args.join(' ')); };
    try {
      await expect(a.send(1)).rejects.toThrow('boom');
      await Promise.all([a.send(2), b.send(3)]);
    } finally {
      console.error = logged;
    }
    expect(a.delivered).toEqual([2]);
    expect(b.delivered).toEqual([3]);
    expect(errors.join('\n')).toContain('boom');
  });
});

describe('serializeKernelSends', () => {
  it('recognises a tslab kernel command line and does nothing elsewhere', () => {
    expect(isTslabKernel(['node', '/x/node_modules/tslab/bin/tslab', 'kernel', '--config-path', 'c.json'])).toBe(true);
    expect(isTslabKernel(['node', '/x/vitest.mjs', 'run'])).toBe(false);
    expect(serializeKernelSends(['node', '/x/vitest.mjs'])).toBe(false);
  });
});
