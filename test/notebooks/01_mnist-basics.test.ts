// Notebook 1 (seed 000) runs in quick mode through tslab and prints what the tutorial prints.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputsOfType, runQuick, type QuickRun } from './harness.js';

let run: QuickRun;
beforeAll(async () => { run = await runQuick('01_mnist-basics'); });

describe('notebook 01_mnist-basics in quick mode', () => {
  it('runs every cell without error', () => {
    expect(run.report.failure).toBeNull();
    expect(run.report.status).toBe('passed');
    expect(run.report.codeCellsRun).toBe(run.report.codeCells);
  });

  it('prints the datasets like torchvision and the batch shapes', () => {
    expect(run.text).toContain('Dataset MNIST\n    Number of datapoints: 60000');
    expect(run.text).toContain('Number of datapoints: 10000');
    expect(run.text).toContain('Transform: ToTensor()');
    expect(run.text).toMatch(/Image batch dimensions: \[ 100, 28, 28, 1 \]/);
    expect(run.text).toMatch(/Image label dimensions: \[ 100 \]/);
    expect(run.text).toContain('Dataset FashionMNIST');
  });

  it('builds models with the tutorial parameter counts', () => {
    expect(run.text).toContain('hand-written: 7850 parameters, library createLinear(): 7850');
    expect(run.text).toContain('parameters: 79510');
  });

  it('learns well above chance even on the quick subset', () => {
    expect(run.result('linear model test accuracy')).toBeGreaterThan(0.5);
    expect(run.result('hidden-layer model test accuracy')).toBeGreaterThan(0.4);
  });

  it('shows digit grids and a training chart', () => {
    expect(outputsOfType(run, 'image/png').length).toBeGreaterThanOrEqual(2);
    expect(outputsOfType(run, 'application/vnd.vegalite.v5+json').length).toBeGreaterThanOrEqual(1);
  });

  it('grades both exercise submissions by measuring them', () => {
    const feedback = outputsOfType(run, 'text/markdown').map(String).join('\n');
    expect(feedback).toMatch(/MNIST: reach 99\.8% test accuracy: NOT PASSED/);
    expect(feedback).toMatch(/Measured accuracy\*\*: \d+\.\d+% \(\d+ of 10000 test images\)/);
    expect(feedback).toMatch(/Fashion-MNIST: reach 90% test accuracy/);
  });
});
