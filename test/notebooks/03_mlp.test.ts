// Notebook 3 (seed 002) runs in quick mode through tslab and prints what the tutorial prints.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputsOfType, runQuick, type QuickRun } from './harness.js';

let run: QuickRun;
beforeAll(async () => { run = await runQuick('03_mlp'); });

describe('notebook 03_mlp in quick mode', () => {
  it('runs every cell without error', () => {
    expect(run.report.failure).toBeNull();
    expect(run.report.status).toBe('passed');
    expect(run.report.codeCellsRun).toBe(run.report.codeCells);
  });

  it('prints the datasets with the Compose(ToTensor, Normalize) transform and flattened batches of 32', () => {
    expect(run.text).toContain('Dataset MNIST\n    Number of datapoints: 60000');
    expect(run.text).toContain('Number of datapoints: 10000');
    expect(run.text).toContain('ToTensor()');
    expect(run.text).toContain('Normalize(mean=(0.5,), std=(0.5,))');
    expect(run.text).toMatch(/images: \[ 32, 784 \] labels: \[ 32 \]/);
    expect(run.text).toContain('pixel range after Normalize: [-1, 1]');
  });

  it('prints the network as the tutorial does and shows createMlp() is the same model', () => {
    expect(run.text).toContain('Sequential(\n  (0): Linear(in_features=784, out_features=128, bias=True)\n  (1): ReLU()');
    expect(run.text).toContain('(8): Linear(in_features=64, out_features=10, bias=True)\n  (9): LogSoftmax(dim=1)\n)');
    expect(run.text).toContain('same printout: true');
    expect(run.text).toContain('parameters: hand-written 130058, createMlp() 130058');
    expect(run.text).toContain('largest difference between their outputs on 64 images: 0\n');
  });

  it('starts near ln 10 and prints the tutorial training-loss line', () => {
    const initial = Number(/loss of the untrained model: (\d+\.\d+)/.exec(run.text)?.[1]);
    expect(Math.abs(initial - Math.log(10))).toBeLessThan(0.1);
    expect(run.text).toMatch(/Epoch 0 - Training loss: \d+\.\d+/);
  });

  it('gets the same predictions one image at a time as in batches', () => {
    expect(run.text).toContain('same predictions: true');
  });

  it('learns well above chance even on the quick subset', () => {
    expect(run.result('epoch 0 training loss')).toBeLessThan(2.2);
    expect(run.result('validation accuracy')).toBeGreaterThan(40);
    expect(run.text).toMatch(/Model Accuracy \d+(\.\d+)? %/);
  });

  it('shows digit grids, the live chart, the loss curves and the confusion matrix', () => {
    expect(outputsOfType(run, 'image/png').length).toBeGreaterThanOrEqual(2);
    expect(outputsOfType(run, 'application/vnd.vegalite.v5+json').length).toBeGreaterThanOrEqual(4);
  });
});
