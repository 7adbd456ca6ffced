// Public API of the course library: re-exports only.
export * from './random/index.js';
export * from './backend/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './train/index.js';
export * from './sgd/index.js';
export * from './plot/index.js';
export * from './course/index.js';

// Names two modules share: the DataLoader's batch and fit's history are the canonical ones.
export type { Batch } from './data/index.js';
export type { History } from './train/index.js';
