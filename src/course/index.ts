// The course module: what notebooks call (reportResult, courseMode) and the headless runner behind `npm run course`.
export { COURSE_MODE_ENV, COURSE_MODES, courseMode, CourseModeError, DEFAULT_COURSE_MODE, parseCourseMode, type CourseMode } from './mode.js';
export {
  BACKEND_MIME, formatNumber, formatResult, recordBackend, reportResult, RESULT_MIME, ResultFormatError,
  type BackendRecord, type HeadlineResult,
} from './result.js';
export { displayInKernel, type MimeBundle } from './kernel-display.js';
export * from './protocol.js';
export * from './kernel-client.js';
export * from './notebook.js';
export * from './outputs.js';
export * from './execute-notebook.js';
export * from './report.js';
export * from './runner.js';
export * from './clean.js';
export * from './jupyter.js';
