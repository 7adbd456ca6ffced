// Public API of the course library: re-exports, plus one fix applied on load inside the tslab kernel.
import { serializeKernelSends } from './kernel/index.js';

// tslab sends on ZeroMQ without awaiting; under frequent display updates zeromq.js 6 throws EBUSY and the kernel
// dies mid-training. Queuing its sends fixes that; outside a tslab kernel this does nothing.
serializeKernelSends();

export * from './random/index.js';
export * from './kernel/index.js';
export * from './backend/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './train/index.js';
export * from './sgd/index.js';
export * from './plot/index.js';
// Only the notebook-facing part of src/course: the headless runner (ZeroMQ) stays out of notebooks' way.
export { reportResult, recordBackend, formatResult, formatNumber, RESULT_MIME, BACKEND_MIME, ResultFormatError, type HeadlineResult, type BackendRecord } from './course/result.js';
export { courseMode, parseCourseMode, COURSE_MODE_ENV, COURSE_MODES, DEFAULT_COURSE_MODE, CourseModeError, type CourseMode } from './course/mode.js';

// Names two modules share: the DataLoader's batch and fit's history are the canonical ones.
export type { Batch } from './data/index.js';
export type { History } from './train/index.js';
