// torch.optim.SGD for TF.js variables: momentum without dampening, optional weight decay, mutable lr and momentum.
import * as tf from '@tensorflow/tfjs';
import { SGD_UPDATE } from '../backend/sgd_kernel.js';
import { parameters } from '../models/index.js';
import { TrainingConfigError } from './errors.js';

/** Options of `SGD`, named as torch.optim.SGD's arguments. */
export interface SGDOptions {
  /** Learning rate; a scheduler may change `optimizer.lr` between steps. */
  lr: number;
  /** Momentum factor (0 = plain SGD). Default 0, as in PyTorch. */
  momentum?: number;
  /** L2 penalty added to the gradient: g + weightDecay * p. Default 0. */
  weightDecay?: number;
}

function checkNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new TrainingConfigError(`SGD expects ${name} >= 0, got ${value}. PyTorch rejects it too ("Invalid ${name}").`);
  }
}

/**
 * Stochastic gradient descent exactly as torch.optim.SGD (dampening 0, nesterov off) does it:
 *   g = grad + weightDecay * p;  v = g on the first step, then v = momentum * v + g;  p -= lr * v
 * (with momentum 0 there is no v: p -= lr * g). `lr` and `momentum` are read at every step, so OneCycleLR
 * can change them. A tf.Optimizer, so `minimize` and tf.layers' `compile` work as well.
 * tf.train.momentum uses the same update with its accumulator started at zero, which gives the same first
 * step; it bakes the momentum into a tensor at construction (setMomentum does not reach it) and has no weight decay.
 * @example
 * const optimizer = new SGD(model, { lr: 0.003, momentum: 0.9 });
 * const loss = optimizer.step(() => nllLoss(model.apply(images, { training: true }) as tf.Tensor, labels));
 */
export class SGD extends tf.Optimizer {
  static get className(): string {
    return 'TorchSGD';
  }

  lr: number;
  momentum: number;
  weightDecay: number;
  /** The variables this optimizer updates (owned by their model). */
  readonly params: tf.Variable[];
  // Momentum buffers by variable name, created on a variable's first step as PyTorch does.
  private readonly buffers = new Map<string, tf.Variable>();

  /** `params`: a model (its trainable weights) or a list of variables, like `model.parameters()`. */
  constructor(params: tf.LayersModel | tf.Variable[], options: SGDOptions) {
    super();
    checkNonNegative('learning rate', options.lr);
    checkNonNegative('momentum value', options.momentum ?? 0);
    checkNonNegative('weight_decay value', options.weightDecay ?? 0);
    this.params = Array.isArray(params) ? params : parameters(params);
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /**
   * One optimization step: runs `lossFn` under the gradient tape, updates `params`, returns the loss.
   * The returned scalar is the caller's to dispose (or let an enclosing tf.tidy do it).
   */
  step(lossFn: () => tf.Scalar): tf.Scalar {
    return this.minimize(lossFn, true, this.params) as tf.Scalar;
  }

  /** Applies precomputed gradients, given by variable name (as tf.variableGrads returns them). */
  override applyGradients(gradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const entries = Array.isArray(gradients) ? gradients.map((g) => [g.name, g.tensor] as const) : Object.entries(gradients);
    const byName = new Map(this.params.map((p) => [p.name, p]));
    const fused = tf.getKernel(SGD_UPDATE, tf.getBackend()) !== undefined;
    for (const [name, gradient] of entries) {
      const param = byName.get(name) ?? (tf.engine().registeredVariables[name] as tf.Variable | undefined);
      if (gradient == null || param === undefined) continue;
      if (fused && param.dtype === 'float32' && gradient.dtype === 'float32') tf.tidy(() => this.fusedUpdate(param, gradient));
      else tf.tidy(() => this.update(param, gradient));
    }
    this.incrementIterations();
  }

  private update(param: tf.Variable, gradient: tf.Tensor): void {
    let direction = this.weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(param, this.weightDecay));
    if (this.momentum !== 0) {
      const buffer = this.buffers.get(param.name);
      if (buffer === undefined) {
        this.buffers.set(param.name, tf.keep(tf.variable(direction, false)));
      } else {
        buffer.assign(tf.add(tf.mul(buffer, this.momentum), direction));
        direction = buffer;
      }
    }
    param.assign(tf.sub(param, tf.mul(direction, this.lr)));
  }

  /**
   * The same update as one SGD_UPDATE kernel (src/backend) where the active backend has it (wasm): one engine call
   * per parameter instead of four to six plus two scalar uploads, the same float32 roundings, so the same values.
   */
  private fusedUpdate(param: tf.Variable, gradient: tf.Tensor): void {
    const buffer = this.momentum === 0 ? undefined : this.buffers.get(param.name);
    const inputs: tf.NamedTensorMap = buffer === undefined ? { param, gradient } : { param, gradient, buffer };
    const attrs = { lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay };
    const [next, direction] = tf.engine().runKernel(SGD_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    param.assign(next as tf.Tensor);
    if (direction === undefined) return;
    if (buffer === undefined) this.buffers.set(param.name, tf.keep(tf.variable(direction, false)));
    else buffer.assign(direction);
  }

  /** The momentum buffer of `param`: undefined before its first step, and always with momentum 0. Owned by this optimizer. */
  momentumBuffer(param: tf.Variable): tf.Variable | undefined {
    return this.buffers.get(param.name);
  }

  /**
   * Takes in `steps` steps made elsewhere (fit's compiled graph step on native TensorFlow keeps the weights and
   * buffers in its session meanwhile): the buffers' values after them (copied) and the iteration count.
   */
  recordSteps(steps: number, buffers: ReadonlyMap<tf.Variable, tf.Tensor>): void {
    for (const [param, value] of buffers) {
      const buffer = this.buffers.get(param.name);
      if (buffer === undefined) this.buffers.set(param.name, tf.keep(tf.variable(value, false)));
      else buffer.assign(value);
    }
    for (let i = 0; i < steps; i++) this.incrementIterations();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay };
  }

  /** Frees the momentum buffers (the parameters stay with their model). */
  override dispose(): void {
    for (const buffer of this.buffers.values()) buffer.dispose();
    this.buffers.clear();
    super.dispose();
  }
}
