// Typed errors of the models module; each message says what was expected, what came and what to do.

/** A model factory got an input shape it cannot use. */
export class InputShapeError extends Error {
  constructor(expected: string, got: readonly number[], hint: string) {
    super(`Expected an input shape ${expected}, got [${got.join(', ')}]. ${hint}`);
    this.name = 'InputShapeError';
  }
}

/** A saved model folder is missing files or holds something that is not a tfjs layers model. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** A saved model names a layer class outside the standard tf.layers set, so loading it would need custom code. */
export class UnsupportedLayerError extends Error {
  constructor(className: string, path: string) {
    super(
      `Expected only standard tf.layers classes in ${path}, found "${className}". ` +
        'Custom layers need their own code to load; rebuild the model from standard layers before saving it.',
    );
    this.name = 'UnsupportedLayerError';
  }
}
