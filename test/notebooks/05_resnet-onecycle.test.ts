// Notebook 5 (seed 003) runs in quick mode through tslab and prints what the ResNet tutorial prints.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputsOfType, runQuick, type QuickRun } from './harness.js';

let run: QuickRun;
beforeAll(async () => { run = await runQuick('05_resnet-onecycle'); });

describe('notebook 05_resnet-onecycle in quick mode', () => {
  it('runs every cell without error', () => {
    expect(run.report.failure).toBeNull();
    expect(run.report.status).toBe('passed');
    expect(run.report.codeCellsRun).toBe(run.report.codeCells);
  });

  it('loads MNIST with the identity Normalize and the tutorial loaders that drop the last batch', () => {
    expect(run.text).toContain('Normalize(mean=0, std=1)');
    expect(run.text).toContain('len(dl_train) = 117 batches (59904 images), len(dl_valid) = 19 batches (9728 of 10000 images)');
    expect(run.text).toContain('quick mode: 1 epoch(s) of 32 batches of 128; validation 8 batches of 128');
  });

  it('gives ten logits for 24x24 and 28x28 inputs, as torch.Size([85, 10])', () => {
    expect(run.text).toContain('24x24 input: [ 85, 24, 24, 1 ] -> output: [ 85, 10 ]');
    expect(run.text).toContain('28x28 input: [ 85, 28, 28, 1 ] -> output: [ 85, 10 ]');
  });

  it('builds the same network by hand and with createResNet, and prints it like PyTorch', () => {
    expect(run.text).toContain('trainable parameters: hand-written 36460, createResNet() 36460');
    expect(run.text).toContain('largest difference between their logits on 16 images: 0\n');
    expect(run.text).toContain('(0): Conv2d(1, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)');
    expect(run.text).toContain('(1): ResBlock(');
    expect(run.text).toContain('(bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(run.text).toContain('(8): Flatten(start_dim=1, end_dim=-1)');
  });

  it('tabulates the tutorial one-cycle schedule: 0.02 up to 0.5 at step 350, down to 2e-6', () => {
    expect(run.text).toMatch(/step {4}0: lr 0\.02 +momentum 0\.9500/);
    expect(run.text).toMatch(/step {2}350: lr 0\.5 +momentum 0\.8500/);
    expect(run.text).toMatch(/step 1169: lr 0\.000002 +momentum 0\.9500/);
  });

  it('prints the epoch, the batch counter and both accuracies as the tutorial does', () => {
    expect(run.text).toMatch(/Epoch 1\n0 10 20 30 \nEpoch training accuracy 0\.\d+\nEpoch valid accuracy 0\.\d+\n/);
    expect(run.text).toMatch(/32 scheduler steps; the last batch used lr 2\.00e-6/);
    expect(run.text).toMatch(/accuracy on all 1024 test images: 0\.\d+/);
  });

  it('learns well above chance even on the quick subset', () => {
    expect(run.result('final valid accuracy')).toBeGreaterThan(0.5);
    expect(run.result('final train accuracy')).toBeGreaterThan(0.4);
    expect(run.result('test accuracy (all 10,000)')).toBeGreaterThan(0.5);
  });

  it('shows the schedule, the live training chart and the comparison with the tutorial, and echoes no objects', () => {
    expect(outputsOfType(run, 'application/vnd.vegalite.v5+json').length).toBeGreaterThanOrEqual(3);
    const echoed = outputsOfType(run, 'text/plain').map(String).join('\n');
    expect(echoed).not.toContain('refCountAfterDispose');
  });
});
