import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatNumber, formatResult, recordBackend, reportResult, ResultFormatError } from '../../src/course/result.js';

afterEach(() => { vi.restoreAllMocks(); });

describe('formatResult', () => {
  it('puts ours next to the tutorial with the unit, rerun and note', () => {
    expect(formatResult({ name: 'test accuracy', ours: 97.512, tutorial: 98, rerun: 97.9, unit: '%', note: '14 epochs' }))
      .toBe('test accuracy: ours 97.51 %, tutorial 98 %, rerun 97.9 % (14 epochs)');
  });

  it('says n/a when the tutorial states no number', () => {
    expect(formatResult({ name: 'loss', ours: 0.1234567, tutorial: null })).toBe('loss: ours 0.1235, tutorial n/a');
  });

  it('keeps integers whole and small numbers to four significant digits', () => {
    expect(formatNumber(60000)).toBe('60000');
    expect(formatNumber(0.000123456)).toBe('0.0001235');
  });
});

describe('reportResult outside the kernel', () => {
  it('prints the human line', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    reportResult({ name: 'test accuracy', ours: 0.98, tutorial: 0.99 });
    expect(log).toHaveBeenCalledWith('test accuracy: ours 0.98, tutorial 0.99');
  });

  it('rejects values that are not finite numbers, saying which field', () => {
    expect(() => reportResult({ name: 'acc', ours: Number.NaN, tutorial: 1 })).toThrow(ResultFormatError);
    expect(() => reportResult({ name: '', ours: 1, tutorial: 1, rerun: Infinity })).toThrow(/name should be a non-empty string.*rerun should be a finite number/);
  });

  it('prints the backend line', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    recordBackend('Backend: cpu', { name: 'cpu' });
    expect(log).toHaveBeenCalledWith('Backend: cpu');
  });
});
