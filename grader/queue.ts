// A bounded first-in first-out queue that runs one evaluation at a time (TF.js on a small server uses every core).
import { QueueFullError } from './errors.js';

/** Runs tasks one after another; refuses new ones with QueueFullError when `capacity` are already waiting. */
export class EvaluationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waitingCount = 0;
  private runningCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`queue capacity must be a non-negative integer, got ${capacity}`);
  }

  /** Tasks waiting for their turn (not counting the running one). */
  get waiting(): number {
    return this.waitingCount;
  }

  get running(): number {
    return this.runningCount;
  }

  /** Enqueues `task`; resolves or rejects with its outcome. Throws QueueFullError synchronously-at-call (as a rejection) when full. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.waitingCount >= this.capacity && this.runningCount > 0) return Promise.reject(new QueueFullError(this.capacity));
    this.waitingCount++;
    const result = this.tail.then(async () => {
      this.waitingCount--;
      this.runningCount++;
      try {
        return await task();
      } finally {
        this.runningCount--;
      }
    });
    // The chain continues whether a task succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
