// Kernel plumbing: fixes applied when the library is loaded inside the tslab kernel.
export { isTslabKernel, serializeKernelSends, serializeSends } from './send-queue.js';
