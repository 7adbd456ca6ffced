// Typed errors of the training module; each message says what was expected, what came and what to do.

/** Tensors given to a loss, a metric or a model do not have the shapes it needs. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** An optimizer or scheduler option is out of its range, or a scheduler was stepped past its end. */
export class TrainingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingConfigError';
  }
}
