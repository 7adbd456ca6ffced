// Starting wasm must not leave Emscripten's rethrowing process handlers behind (they kill the tslab kernel).
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { withoutRethrowingHandlers } from '../../src/backend/wasm.js';

const count = () => process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;

describe('withoutRethrowingHandlers', () => {
  it('removes the handlers its start function adds and keeps the ones that were there', async () => {
    const existing = () => {};
    process.on('unhandledRejection', existing);
    const before = count();
    await withoutRethrowingHandlers(async () => {
      process.on('uncaughtException', () => { throw new Error('rethrown'); });
      process.on('unhandledRejection', (reason) => { throw reason; });
    });
    expect(count()).toBe(before);
    expect(process.listeners('unhandledRejection')).toContain(existing);
    process.removeListener('unhandledRejection', existing);
  });

  it('leaves no Emscripten handler after the real wasm backend starts', async () => {
    const before = count();
    await initBackend({ backend: 'wasm', log: () => {} });
    expect(count()).toBe(before);
  });
});
