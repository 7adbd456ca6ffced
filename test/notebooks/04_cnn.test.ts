// Notebook 4 (seed 001) runs in quick mode through tslab: OpenML view, FeedForward and CNN, predictions, results.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputsOfType, runQuick, type QuickRun } from './harness.js';

let run: QuickRun;
beforeAll(async () => { run = await runQuick('04_cnn'); });

describe('notebook 04_cnn in quick mode', () => {
  it('runs every cell without error', () => {
    expect(run.report.failure).toBeNull();
    expect(run.report.status).toBe('passed');
    expect(run.report.codeCellsRun).toBe(run.report.codeCells);
  });

  it('prints the OpenML shapes and the 50,000 / 20,000 split like the tutorial', () => {
    expect(run.text).toContain('(70000, 784) (70000,)');
    expect(run.text).toContain('scale 0.00390625 (1/256)');
    expect(run.text).toContain('x_train [ 50000, 784 ] y_train [ 50000 ] x_valid [ 20000, 784 ] y_valid [ 20000 ]');
    expect(run.text).toMatch(/xb \[ 64, 784 \] float32 {2}yb \[ 64 \] int32/);
  });

  it('shows that the hand-written models match the library ones', () => {
    expect(run.text).toContain('hand-written: 7850 parameters, library createFeedForward(): 7850');
    expect(run.text).toContain('max |hand-written weights - createFeedForward() weights| = 0');
    expect(run.text).toContain('(lin): Linear(in_features=784, out_features=10, bias=True)');
    expect(run.text).toContain('hand-written: 3930 parameters, library createCnn(): 3930');
    expect(run.text).toContain('same printout: true, same layer shapes: true');
    expect(run.text).toContain('max |hand-written logits - createCnn() logits| = 0');
    expect(run.text).toContain('(conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))');
  });

  it('walks the CNN sizes 28 -> 14 -> 7 -> 4 -> 1 as the tutorial table does', () => {
    expect(run.text).toContain('conv1: (28 - 3 + 2)/2 + 1 = 14.5 -> 14x14x16');
    expect(run.text).toContain('conv3: (7 - 3 + 2)/2 + 1 = 4 -> 4x4x10');
    expect(run.text).toMatch(/conv3 +\[null,4,4,10\]/);
    expect(run.text).toMatch(/forward\.flatten +\[null,10\]/);
  });

  it('prints the validation loss every epoch and the 3x3 predictions next to the tutorial labels', () => {
    expect(run.text.match(/^epoch \d+ {2}valid loss \d\.\d{4}/gm)?.length).toBe(1 + 3);
    expect(run.text.match(/predicted: tensor\(\[\[\d, \d, \d\],/g)?.length).toBe(2);
    expect(run.text).toContain('tutorial:  tensor([[3, 8, 6],\n        [9, 6, 4],\n        [5, 3, 8]])');
  });

  it('learns well above chance on the quick subsets', () => {
    expect(run.result('FeedForward validation accuracy')).toBeGreaterThan(0.6);
    expect(run.result('FeedForward validation loss')).toBeLessThan(1.2);
    expect(run.result('CNN validation accuracy')).toBeGreaterThan(0.4);
    expect(run.result('CNN validation loss')).toBeLessThan(1.8);
    expect(run.report.results.every((r) => r.tutorial === null && /quick mode/.test(r.note ?? ''))).toBe(true);
  });

  it('shows the first example, two prediction grids and two loss charts', () => {
    expect(outputsOfType(run, 'image/png').length).toBe(3);
    expect(outputsOfType(run, 'application/vnd.vegalite.v5+json').length).toBe(2);
  });
});
