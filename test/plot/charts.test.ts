import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { barChart, confusionMatrix, lineChart, subplots, trainingCurves } from '../../src/plot/charts.js';
import { PlotDataError } from '../../src/plot/errors.js';
import { toVegaLite } from '../../src/plot/vegalite.js';

describe('chart helpers', () => {
  it('lineChart makes one scatter trace per series with the axis titles', () => {
    const figure = lineChart([{ y: [3, 2, 1], name: 'train' }, { y: [4, 3, 2], name: 'val', dash: 'dash' }], { xTitle: 'epoch', yTitle: 'loss' });
    expect(figure.data.map((t) => [t.type, t.name, t.line?.dash])).toEqual([['scatter', 'train', 'solid'], ['scatter', 'val', 'dash']]);
    expect(figure.layout?.xaxis?.title).toBe('epoch');
  });

  it('trainingCurves puts loss and accuracy side by side under a super-title, one legend entry per run', () => {
    const figure = trainingCurves({ a: { loss: [1, 0.5], acc: [0.5, 0.8] }, b: { loss: [1, 0.4], acc: [0.6, 0.9], valAcc: [0.55, 0.85] } }, { title: 'Runs' });
    expect(figure.layout?.title).toBe('Runs');
    expect(figure.layout?.grid).toMatchObject({ rows: 1, columns: 2 });
    expect(figure.data.map((t) => `${t.xaxis}:${t.name}:${t.showlegend ?? true}`)).toEqual([
      'x:a:true', 'x:b:true', 'x2:a:false', 'x2:b:false', 'x2:b (val):true',
    ]);
    expect(figure.layout?.annotations?.map((a) => a.text)).toEqual(['Loss vs. epoch', 'Accuracy vs. epoch']);
  });

  it('trainingCurves of one history names the lines train and validation and leaves out empty panels', () => {
    const figure = trainingCurves({ loss: [1, 0.5], valLoss: [1.1, 0.7] });
    expect(figure.data.map((t) => t.name)).toEqual(['train', 'validation']);
    expect(figure.layout?.annotations).toHaveLength(1);
  });

  it('trainingCurves takes the History fit returns, skipping validation arrays left empty', () => {
    const history = { epochs: [], trainLoss: [0.9, 0.4], trainAccuracy: [0.7, 0.9], validLoss: [], validAccuracy: [], seconds: [1, 1] };
    const figure = trainingCurves(history);
    expect(figure.data.map((t) => `${t.xaxis}:${t.name}`)).toEqual(['x:train', 'x2:train']);
  });

  it('barChart prints each value with three decimals above its bar', () => {
    const figure = barChart([100, 1000], [0.6979, 0.8296]);
    expect(figure.data[0]).toMatchObject({ type: 'bar', x: ['100', '1000'], text: ['0.698', '0.830'] });
  });

  it('confusionMatrix reads a tf.math.confusionMatrix tensor and lists true classes top to bottom', async () => {
    await tf.setBackend('cpu');
    const matrix = tf.math.confusionMatrix(tf.tensor1d([0, 1, 1, 2], 'int32'), tf.tensor1d([0, 1, 2, 2], 'int32'), 3);
    const figure = confusionMatrix(matrix, { labels: ['zero', 'one', 'two'] });
    matrix.dispose();
    expect(figure.data[0]!.z).toEqual([[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    expect(figure.layout?.yaxis?.autorange).toBe('reversed');
    expect(() => toVegaLite(figure)).not.toThrow();
  });

  it('subplots renumbers axes and keeps each panel title', () => {
    const figure = subplots([lineChart({ y: [1] }, { title: 'A' }), lineChart({ y: [2] }, { title: 'B' })], { cols: 1 });
    expect(figure.data.map((t) => t.xaxis)).toEqual(['x', 'x2']);
    expect(figure.layout?.grid).toMatchObject({ rows: 2, columns: 1 });
    expect(figure.layout?.annotations?.map((a) => a.xref)).toEqual(['x domain', 'x2 domain']);
  });

  it('rejects NaN, empty and mismatched inputs with PlotDataError naming the data', () => {
    expect(() => lineChart({ y: [1, NaN, 3], name: 'train' })).toThrow(/series 0 \("train"\) y\[1\] is NaN/);
    expect(() => lineChart([])).toThrow(PlotDataError);
    expect(() => lineChart({ y: [] })).toThrow(/empty/);
    expect(() => lineChart({ y: [1, 2], x: [1] })).toThrow(/has 1 values but y value has 2/);
    expect(() => barChart(['a', 'b'], [1])).toThrow(/bar labels has 2 values but value has 1/);
    expect(() => barChart(['a'], [Infinity])).toThrow(PlotDataError);
    expect(() => confusionMatrix([[1, 2], [3]])).toThrow(/must be square/);
    expect(() => trainingCurves({})).toThrow(/no loss, acc/);
  });
});
