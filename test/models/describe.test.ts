// Tests of model description: PyTorch-style printouts, parameter counts and the Keras summary text.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCnn, createHidden, createMlp, createResNet, parameterCount, parameters, summary, torchRepr } from '../../src/models/index.js';
import { quietBackend } from '../train/fixtures.js';

beforeAll(quietBackend);

describe('torchRepr', () => {
  it("prints createMlp exactly as seed 002's print(model)", () => {
    const expected = [
      'Sequential(',
      '  (0): Linear(in_features=784, out_features=128, bias=True)',
      '  (1): ReLU()',
      '  (2): Linear(in_features=128, out_features=128, bias=True)',
      '  (3): ReLU()',
      '  (4): Linear(in_features=128, out_features=64, bias=True)',
      '  (5): ReLU()',
      '  (6): Linear(in_features=64, out_features=64, bias=True)',
      '  (7): ReLU()',
      '  (8): Linear(in_features=64, out_features=10, bias=True)',
      '  (9): LogSoftmax(dim=1)',
      ')',
    ].join('\n');
    expect(torchRepr(createMlp())).toBe(expected);
  });

  it('prints the modules of the CNN and leaves out what its forward() does with F.relu and avg_pool2d', () => {
    expect(torchRepr(createCnn())).toBe(
      [
        'CNN(',
        '  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))',
        '  (conv2): Conv2d(16, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))',
        '  (conv3): Conv2d(16, 10, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))',
        ')',
      ].join('\n'),
    );
    expect(torchRepr(createHidden())).toContain('(hidden): Linear(in_features=100, out_features=10, bias=True)');
  });

  it('prints the ResNet as nested Sequential and ResBlock modules with PyTorch BatchNorm settings', () => {
    const text = torchRepr(createResNet());
    expect(text).toContain(
      [
        '  (1): ResBlock(',
        '    (conv1): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)',
        '    (bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        '    (relu): ReLU(inplace=True)',
        '    (conv2): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)',
        '    (bn2): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
        '  )',
      ].join('\n'),
    );
    expect(text).toContain('  (7): Sequential(\n    (0): Conv2d(16, 10, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)');
    expect(text.endsWith('  (8): Flatten(start_dim=1, end_dim=-1)\n)')).toBe(true);
  });

  it('prints a plain tf.sequential model by its layer names', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', inputShape: [4], units: 2, activation: 'relu' })] });
    expect(torchRepr(model)).toMatch(/^sequential_\d+\(\n {2}\(fc\): Linear\(in_features=4, out_features=2, bias=True, activation=relu\)\n\)$/);
  });
});

describe('parameterCount, parameters and summary', () => {
  it("counts BatchNorm's running statistics only when asked, as PyTorch keeps them as buffers", () => {
    const model = createResNet();
    // Running mean and variance per BatchNorm channel: 2 * (8 * 3 + 16 * 3 + 32 * 3 + 16 + 10) = 388.
    expect(parameterCount(model, { trainableOnly: false })).toBe(36_460 + 388);
  });

  it('parameters() lists the trainable variables in layer order', () => {
    const model = createMlp();
    const vars = parameters(model);
    expect(vars).toHaveLength(10);
    expect(vars.every((v) => v instanceof tf.Variable && v.trainable)).toBe(true);
    expect(vars[0]?.shape).toEqual([784, 128]);
  });

  it('summary returns the Keras table as text', () => {
    const text = summary(createMlp());
    expect(text).toContain('Total params: 130058');
    expect(text.split('\n').length).toBeGreaterThan(10);
  });
});
