// torch.optim.lr_scheduler.OneCycleLR: warm the learning rate up to maxLr and anneal it down, cycling momentum inversely.
import { TrainingConfigError } from './errors.js';

/** What a scheduler adjusts: any optimizer with a mutable `lr` (and `momentum`, to cycle it), such as `SGD`. */
export interface SchedulableOptimizer {
  lr: number;
  momentum?: number;
}

/** Options of `OneCycleLR`, PyTorch's arguments in camelCase, with PyTorch's defaults. */
export interface OneCycleOptions {
  /** Peak learning rate. */
  maxLr: number;
  /** Number of scheduler steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the learning rate. Default 0.3. */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing between phase endpoints. */
  annealStrategy?: 'cos' | 'linear';
  /** Momentum moves inversely to the learning rate, between these bounds. Default true. */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number;
  /** Default 0.95. */
  maxMomentum?: number;
  /** Initial lr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** fast.ai's three phases (up, back down to the initial lr, then to the minimum). Default false. */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: number;
  endLr: number;
  startMomentum: number;
  endMomentum: number;
}

/** PyTorch's _annealing_cos: from start (pct 0) to end (pct 1) along half a cosine. */
export function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/** PyTorch's _annealing_linear. */
export function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function resolveTotalSteps(options: OneCycleOptions): number {
  const { totalSteps, epochs, stepsPerEpoch } = options;
  const positiveInt = (n: number | undefined): n is number => n !== undefined && Number.isInteger(n) && n > 0;
  if (totalSteps !== undefined) {
    if (!positiveInt(totalSteps)) throw new TrainingConfigError(`OneCycleLR expects totalSteps to be a positive integer, got ${totalSteps}.`);
    return totalSteps;
  }
  if (!positiveInt(epochs) || !positiveInt(stepsPerEpoch)) {
    throw new TrainingConfigError(
      `OneCycleLR expects totalSteps, or epochs and stepsPerEpoch, as positive integers; got epochs ${epochs} and stepsPerEpoch ${stepsPerEpoch}. ` +
        'Pass stepsPerEpoch: trainLoader.length.',
    );
  }
  return epochs * stepsPerEpoch;
}

/**
 * The 1cycle policy with PyTorch's (1.13+/2.x) semantics. Construction sets the optimizer's lr to
 * maxLr / divFactor (and its momentum to maxMomentum); call `step()` after every optimizer step. Phase one
 * ends at step pctStart * totalSteps - 1, phase two at totalSteps - 1; stepping more than totalSteps times
 * throws, as PyTorch does. Like PyTorch with SGD, momentum is cycled even if the optimizer was built with
 * momentum 0 (SGD always has a momentum setting), unless cycleMomentum is false.
 * @example
 * const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, epochs: 10, stepsPerEpoch: trainLoader.length });
 */
export class OneCycleLR {
  readonly totalSteps: number;
  /** PyTorch's `last_epoch`: how many times `step()` ran (0 right after construction). */
  lastStep = 0;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;

  constructor(
    readonly optimizer: SchedulableOptimizer,
    options: OneCycleOptions,
  ) {
    this.totalSteps = resolveTotalSteps(options);
    const pctStart = options.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new TrainingConfigError(`OneCycleLR expects pctStart in [0, 1], got ${pctStart}.`);
    const strategy = options.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new TrainingConfigError(`OneCycleLR expects annealStrategy 'cos' or 'linear', got '${String(strategy)}'.`);
    }
    this.anneal = strategy === 'cos' ? annealCos : annealLinear;
    this.cycleMomentum = options.cycleMomentum ?? true;
    if (this.cycleMomentum && typeof optimizer.momentum !== 'number') {
      throw new TrainingConfigError('OneCycleLR with cycleMomentum expects an optimizer with a momentum setting; pass cycleMomentum: false.');
    }
    const maxLr = options.maxLr;
    const initialLr = maxLr / (options.divFactor ?? 25);
    const minLr = initialLr / (options.finalDivFactor ?? 1e4);
    const baseM = options.baseMomentum ?? 0.85;
    const maxM = options.maxMomentum ?? 0.95;
    const total = this.totalSteps;
    this.phases = options.threePhase
      ? [
          { endStep: pctStart * total - 1, startLr: initialLr, endLr: maxLr, startMomentum: maxM, endMomentum: baseM },
          { endStep: 2 * pctStart * total - 2, startLr: maxLr, endLr: initialLr, startMomentum: baseM, endMomentum: maxM },
          { endStep: total - 1, startLr: initialLr, endLr: minLr, startMomentum: maxM, endMomentum: maxM },
        ]
      : [
          { endStep: pctStart * total - 1, startLr: initialLr, endLr: maxLr, startMomentum: maxM, endMomentum: baseM },
          { endStep: total - 1, startLr: maxLr, endLr: minLr, startMomentum: baseM, endMomentum: maxM },
        ];
    this.apply();
  }

  /** Learning rate and momentum at a step, by PyTorch's get_lr (steps past the last phase extrapolate it). */
  valuesAt(step: number): { lr: number; momentum: number } {
    let startStep = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i] as Phase;
      if (step <= phase.endStep || i === this.phases.length - 1) {
        const pct = (step - startStep) / (phase.endStep - startStep);
        return {
          lr: this.anneal(phase.startLr, phase.endLr, pct),
          momentum: this.anneal(phase.startMomentum, phase.endMomentum, pct),
        };
      }
      startStep = phase.endStep;
    }
    throw new TrainingConfigError('OneCycleLR has no phases.');
  }

  /** Advances one step and sets the optimizer's lr (and momentum). */
  step(): void {
    if (this.lastStep + 1 > this.totalSteps) {
      throw new TrainingConfigError(
        `Tried to step ${this.lastStep + 1} times. The specified number of total steps is ${this.totalSteps}. ` +
          'Give OneCycleLR the real number of optimizer steps (epochs * batches per epoch).',
      );
    }
    this.lastStep += 1;
    this.apply();
  }

  /** The learning rate set by the last step, like get_last_lr()[0]. */
  getLastLr(): number {
    return this.valuesAt(this.lastStep).lr;
  }

  private apply(): void {
    const { lr, momentum } = this.valuesAt(this.lastStep);
    this.optimizer.lr = lr;
    if (this.cycleMomentum) this.optimizer.momentum = momentum;
  }
}
