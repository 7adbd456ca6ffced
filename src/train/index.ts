// Training module: losses, PyTorch's SGD and OneCycleLR, the fit/evaluate loops and progress reporting.
export { crossEntropy, nllLoss, mseLoss, type LossFn } from './losses.js';
export { SGD, type SGDOptions } from './sgd.js';
export { OneCycleLR, annealCos, annealLinear, type OneCycleOptions, type SchedulableOptimizer } from './onecycle.js';
export {
  fit,
  type FitOptions,
  type FitCallbacks,
  type BatchEvent,
  type EpochRecord,
  type History,
  type BatchScheduler,
} from './fit.js';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './evaluate.js';
export { countCorrect, classIndices, type Batch, type BatchSource } from './batches.js';
export { progressBar, logEpochs, formatEpoch, batchLine, textBar, type EpochFormat, type ProgressOptions, type TextDisplay } from './progress.js';
export { ShapeError, TrainingConfigError } from './errors.js';
