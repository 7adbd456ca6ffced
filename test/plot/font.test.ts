import { describe, expect, it } from 'vitest';
import { installTextMetrics, measureText } from '../../src/plot/font.js';

describe('bundled font metrics', () => {
  it('measures DejaVu Sans advances: a digit is 1303/2048 em, narrower than Vega\'s 0.8 em guess', () => {
    expect(measureText('0', 2048)).toBe(1303);
    expect(measureText('0.123', 11)).toBeCloseTo((4 * 1303 + 651) * 11 / 2048, 6);
    expect(measureText('Accuracy', 12, true)).toBeGreaterThan(measureText('Accuracy', 12));
  });

  it('measures only items in our font and leaves other fonts to the previous measure', () => {
    const metrics = { width: (_item: object, text: unknown) => String(text).length * 100 };
    installTextMetrics(metrics);
    expect(metrics.width({ font: 'DejaVu Sans', fontSize: 2048 }, ' 0 ')).toBe(1303);
    expect(metrics.width({ font: 'Helvetica', fontSize: 10 }, 'abc')).toBe(300);
  });
});
