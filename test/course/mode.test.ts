import { describe, expect, it } from 'vitest';
import { COURSE_MODE_ENV, courseMode, CourseModeError, parseCourseMode } from '../../src/course/mode.js';

describe('courseMode', () => {
  it('defaults to full when the variable is unset or empty', () => {
    expect(courseMode({})).toBe('full');
    expect(courseMode({ [COURSE_MODE_ENV]: '' })).toBe('full');
  });

  it('reads quick and full, ignoring case and spaces', () => {
    expect(courseMode({ [COURSE_MODE_ENV]: 'quick' })).toBe('quick');
    expect(courseMode({ [COURSE_MODE_ENV]: ' FULL ' })).toBe('full');
  });

  it('rejects other values with a message naming the variable', () => {
    expect(() => parseCourseMode('fast')).toThrow(CourseModeError);
    expect(() => courseMode({ [COURSE_MODE_ENV]: 'fast' })).toThrow(/Expected course mode 'quick' or 'full', got 'fast'.*MNIST_COURSE_MODE/);
  });
});
