// Which course mode a notebook runs in: 'quick' (small subsets, one short epoch) or 'full', read from the environment.

/** Environment variable the course runner sets on the kernel process (`npm run course -- --quick`). */
export const COURSE_MODE_ENV = 'MNIST_COURSE_MODE';

export const COURSE_MODES = ['quick', 'full'] as const;

/** 'quick': small subsets and one short epoch, for tests and CI; 'full': the run each notebook's numbers come from. */
export type CourseMode = (typeof COURSE_MODES)[number];

/** Without the variable (a reader opening a notebook in Jupyter) notebooks do the full run they promise. */
export const DEFAULT_COURSE_MODE: CourseMode = 'full';

/** The mode name is not one of {@link COURSE_MODES}. */
export class CourseModeError extends Error {
  override name = 'CourseModeError';
}

/** Checks a mode name, e.g. from a CLI flag or the environment. */
export function parseCourseMode(value: string): CourseMode {
  const mode = COURSE_MODES.find((candidate) => candidate === value.trim().toLowerCase());
  if (mode === undefined) {
    throw new CourseModeError(`Expected course mode ${COURSE_MODES.map((m) => `'${m}'`).join(' or ')}, got '${value}'. Set ${COURSE_MODE_ENV} to one of them or unset it.`);
  }
  return mode;
}

/**
 * The mode this notebook runs in: `MNIST_COURSE_MODE` if set, else {@link DEFAULT_COURSE_MODE}.
 *
 * @example
 * const mode = courseMode();                       // in the notebook's `parameters` cell
 * const epochs = mode === 'quick' ? 1 : 14;
 */
export function courseMode(env: Record<string, string | undefined> = process.env): CourseMode {
  const value = env[COURSE_MODE_ENV];
  return value === undefined || value === '' ? DEFAULT_COURSE_MODE : parseCourseMode(value);
}
