// Tests of OneCycleLR against the values PyTorch's own test suite asserts and against the formula.
import { describe, expect, it } from 'vitest';
import { annealCos, OneCycleLR, TrainingConfigError } from '../../src/train/index.js';

/** Records lr and momentum after construction and after each of `steps - 1` steps, as torch's tests do. */
function trace(options: ConstructorParameters<typeof OneCycleLR>[1], steps: number) {
  const optimizer = { lr: 0, momentum: 0 };
  const scheduler = new OneCycleLR(optimizer, options);
  const lrs = [optimizer.lr];
  const momenta = [optimizer.momentum];
  for (let s = 1; s < steps; s++) {
    scheduler.step();
    lrs.push(optimizer.lr);
    momenta.push(optimizer.momentum);
  }
  return { lrs, momenta, scheduler };
}

const expectClose = (actual: number[], expected: number[]) => actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, 9));

describe('OneCycleLR', () => {
  // torch/test/optim/test_lrscheduler.py, test_onecycle_lr_linear_annealing
  it("reproduces PyTorch's linear-annealing test values", () => {
    const { lrs, momenta } = trace({ maxLr: 25, finalDivFactor: 2, baseMomentum: 1, maxMomentum: 22, totalSteps: 10, annealStrategy: 'linear' }, 10);
    expectClose(lrs, [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]);
    expectClose(momenta, [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]);
  });

  // test_onecycle_lr_cosine_annealing: the same settings with the default cosine annealing
  it("reproduces PyTorch's cosine-annealing test values", () => {
    const { lrs, momenta } = trace({ maxLr: 25, finalDivFactor: 2, baseMomentum: 1, maxMomentum: 22, totalSteps: 10 }, 10);
    const down = [1, 2, 3, 4, 5, 6].map((k) => annealCos(25, 0.5, k / 7));
    expectClose(lrs, [1, 13, 25, ...down, 0.5]);
    const up = [1, 2, 3, 4, 5, 6].map((k) => annealCos(1, 22, k / 7));
    expectClose(momenta, [22, 11.5, 1, ...up, 22]);
  });

  // test_onecycle_lr_linear_annealing_three_phases
  it("reproduces PyTorch's three-phase test values", () => {
    const { lrs, momenta } = trace(
      { maxLr: 25, divFactor: 25, baseMomentum: 1, maxMomentum: 22, totalSteps: 10, annealStrategy: 'linear', pctStart: 0.4, finalDivFactor: 4, threePhase: true },
      10,
    );
    expectClose(lrs, [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25]);
    expectClose(momenta, [22, 15, 8, 1, 8, 15, 22, 22, 22, 22]);
  });

  it('follows the formula with the defaults used by the ResNet tutorial (maxLr 0.5, 10 epochs of 117 steps)', () => {
    const optimizer = { lr: 0.5, momentum: 0.9 };
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, epochs: 10, stepsPerEpoch: 117 });
    expect(scheduler.totalSteps).toBe(1170);
    expect(optimizer.lr).toBeCloseTo(0.5 / 25, 12); // initial lr replaces the optimizer's
    expect(optimizer.momentum).toBe(0.95); // momentum starts at maxMomentum
    const peak = 0.3 * 1170 - 1; // phase one ends at step 350
    for (let s = 1; s <= 1170; s++) {
      scheduler.step();
      const [start, end, startM, endM, pct] =
        s <= peak ? [0.02, 0.5, 0.95, 0.85, s / peak] : [0.5, 0.02 / 1e4, 0.85, 0.95, (s - peak) / (1169 - peak)];
      expect(optimizer.lr).toBeCloseTo(annealCos(start, end, pct), 12);
      expect(optimizer.momentum).toBeCloseTo(annealCos(startM, endM, pct), 12);
    }
    expect(scheduler.getLastLr()).toBeCloseTo(annealCos(0.5, 2e-6, 820 / 819), 12); // one step past the end extrapolates, as torch does
  });

  it('throws when stepped more than totalSteps times, with PyTorch\'s message', () => {
    const scheduler = new OneCycleLR({ lr: 0, momentum: 0 }, { maxLr: 1, totalSteps: 3 });
    for (let s = 0; s < 3; s++) scheduler.step();
    expect(() => scheduler.step()).toThrow(TrainingConfigError);
    expect(() => scheduler.step()).toThrow(/Tried to step 4 times. The specified number of total steps is 3/);
  });

  it('checks its options', () => {
    expect(() => new OneCycleLR({ lr: 0 }, { maxLr: 1, totalSteps: 10 })).toThrow(/cycleMomentum: false/);
    expect(() => new OneCycleLR({ lr: 0 }, { maxLr: 1, totalSteps: 10, cycleMomentum: false })).not.toThrow();
    expect(() => new OneCycleLR({ lr: 0, momentum: 0 }, { maxLr: 1, epochs: 2 })).toThrow(/stepsPerEpoch/);
    expect(() => new OneCycleLR({ lr: 0, momentum: 0 }, { maxLr: 1, totalSteps: 10, pctStart: 1.5 })).toThrow(/pctStart/);
  });
});
