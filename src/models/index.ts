// Models module: the tutorials' networks as tf.layers models, their description, saving and loading.
export { createLinear, createHidden, createFeedForward, NUM_CLASSES, type DenseModelOptions } from './linear.js';
export { createCnn, type CnnOptions } from './cnn.js';
export { createMlp, MLP_HIDDEN_SIZES, type MlpOptions } from './mlp.js';
export { createResNet, type ResNetOptions } from './resnet.js';
export { parameters, parameterCount, summary, torchRepr, TORCH_MODULES_KEY } from './describe.js';
export { saveModel, loadModel, STANDARD_LAYER_CLASSES, MODEL_JSON, WEIGHTS_BIN } from './io.js';
export { torchUniform, type InitOptions } from './init.js';
export { MNIST_PIXELS, MNIST_IMAGE_SHAPE, MNIST_FLAT_SHAPE } from './inputs.js';
export { TORCH_BATCHNORM_MOMENTUM, TORCH_BATCHNORM_EPSILON } from './layers.js';
export { InputShapeError, ModelFileError, UnsupportedLayerError } from './errors.js';
