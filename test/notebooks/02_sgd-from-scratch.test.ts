// Notebook 2 (seed 004) runs in quick mode through tslab: hand-written SGD matches the library, and it learns.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputsOfType, runQuick, type QuickRun } from './harness.js';

let run: QuickRun;
beforeAll(async () => { run = await runQuick('02_sgd-from-scratch'); });

/** The number printed after `label` in the notebook's text output. */
function printed(label: string): number {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}\\s*([-\\d.e]+)`).exec(run.text);
  if (match === null) throw new Error(`the notebook printed no "${label}"`);
  return Number(match[1]);
}

describe('notebook 02_sgd-from-scratch in quick mode', () => {
  it('runs every cell without error', () => {
    expect(run.report.failure).toBeNull();
    expect(run.report.status).toBe('passed');
    expect(run.report.codeCellsRun).toBe(run.report.codeCells);
  });

  it('prints the data shapes as the tutorial does', () => {
    expect(run.text).toContain('train data shape: [60000, 784], label shape: [60000, 10] test data shape: [10000, 784], label shape: [10000]');
  });

  it('checks the hand-written gradient, loss and accuracy against the library and tf.grad (float32 tolerance)', () => {
    expect(printed('max |_gradient - leastSquaresGradient|:')).toBeLessThan(1e-6);
    expect(printed('max |_gradient - tf.grad(_loss)|:')).toBeLessThan(1e-6);
    expect(printed('|_loss - leastSquaresLoss|:')).toBeLessThan(1e-6);
    expect(printed('|_acc - accuracy|:')).toBe(0);
  });

  it('shows that the hand-written sgd_train and sgdTrain give the same numbers with the same seed', () => {
    expect(printed('max |loss difference|:')).toBeLessThan(1e-6);
    expect(printed('max |accuracy difference|:')).toBe(0);
    expect(printed('max |W difference|:')).toBeLessThan(1e-6);
  });

  it('measures evaluation and step times before choosing the evaluation stride', () => {
    expect(run.text).toMatch(/one evaluation on the 10,000 test images: [\d.]+ ms/);
    expect(run.text).toMatch(/batch 1000: +[\d.]+ ms per step/);
  });

  it('logs every batch-size run in the tutorial format with its elapsed time', () => {
    expect(run.text).toContain('iter: 1, loss: 0.5, acc: ');
    expect(run.text.match(/####################ELAPSED TIME: [\d.]+ s####################/g)).toHaveLength(4);
  });

  it('learns well above chance for every batch size and dataset size', () => {
    expect(run.result('test accuracy, batch size 1')).toBeGreaterThan(0.3);
    for (const batchSize of [10, 100, 1000]) expect(run.result(`test accuracy, batch size ${batchSize}`)).toBeGreaterThan(0.6);
    expect(run.result('test accuracy, 100 training images')).toBeGreaterThan(0.2);
    for (const size of [500, 1000, 10000]) expect(run.result(`test accuracy, ${size} training images`)).toBeGreaterThan(0.5);
  });

  it('trains the nn.Linear version with MSELoss, whose gradient is 2/10 of the least-squares one', () => {
    expect(run.text).toContain('Linear(in_features=784, out_features=10, bias=False)');
    expect(run.text).toContain('parameters: 7840');
    expect(printed('max |grad MSELoss - 0.2 * leastSquaresGradient|:')).toBeLessThan(1e-6);
    expect(run.text).toMatch(/epoch: 1, loss: [\d.]+, acc: \d+\.\d\d/);
    const percent = run.result('nn.Linear + MSELoss + SGD test accuracy');
    expect(percent).toBeGreaterThan(50);
    expect(percent).toBeLessThanOrEqual(100);
  });

  it('shows the four batch-size figures, the dataset-size bars and the bonus curves', () => {
    expect(outputsOfType(run, 'application/vnd.vegalite.v5+json')).toHaveLength(6);
  });
});
