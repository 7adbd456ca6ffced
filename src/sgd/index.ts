// From-scratch SGD module (seed 004): least-squares loss, its analytic gradient, accuracy and the training loop.
export {
  leastSquaresLoss,
  leastSquaresGradient,
  accuracy,
  sgdTrain,
  type SgdTrainOptions,
  type SgdTrainResult,
  type SgdIteration,
} from './leastsquares.js';
