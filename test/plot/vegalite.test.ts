import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { lineChart, trainingCurves } from '../../src/plot/charts.js';
import { PlotDataError, UnsupportedPlotError } from '../../src/plot/errors.js';
import type { Figure } from '../../src/plot/types.js';
import { toVegaLite, VEGA_LITE_MIME } from '../../src/plot/vegalite.js';

type Json = Record<string, any>;
const spec = (figure: Figure): Json => toVegaLite(figure) as Json;

describe('toVegaLite', () => {
  it('turns one scatter trace into a line layer with its points in the given order', () => {
    const out = spec({ data: [{ x: [3, 1, 2], y: [0.5, 0.4, 0.3], mode: 'lines' }], layout: { xaxis: { title: 'epoch' } } });
    expect(out['$schema']).toContain('vega-lite/v5');
    expect(VEGA_LITE_MIME).toBe('application/vnd.vegalite.v5+json');
    const [line] = out['layer'] as Json[];
    expect(line!['mark'].type).toBe('line');
    expect(line!['data'].values.map((v: Json) => v['x'])).toEqual([3, 1, 2]);
    expect(line!['encoding'].order.field).toBe('i');
    expect(line!['encoding'].x.title).toBe('epoch');
    expect(() => compile(out as never)).not.toThrow();
  });

  it('lays out traces on x2/y2 as a second panel, with annotation titles and one shared legend', () => {
    const out = spec({
      data: [
        { y: [1, 2], name: 'train' }, { y: [2, 3], name: 'val', line: { dash: 'dash' } },
        { y: [0.1, 0.2], name: 'train', xaxis: 'x2', yaxis: 'y2', showlegend: false },
      ],
      layout: { title: 'Run', annotations: [{ xref: 'x2 domain', yref: 'y2 domain', text: 'Accuracy', x: 0.5, y: 1 }] },
    });
    expect(out['columns']).toBe(2);
    expect(out['title'].text).toBe('Run');
    const [first, second] = out['concat'] as Json[];
    expect(JSON.stringify(second)).toContain('"text":"Accuracy"');
    expect(JSON.stringify(first)).not.toContain('Accuracy');
    const legends = (compile(out as never).spec as Json)['legends'] as Json[];
    expect(legends).toHaveLength(1);
    expect(legends[0]).toHaveProperty('strokeDash');
  });

  it('puts heatmap row 0 at the bottom like plotly, and at the top when the y axis is reversed', () => {
    const figure: Figure = { data: [{ type: 'heatmap', z: [[1, 2], [3, 4]], y: ['a', 'b'], texttemplate: '%{z}' }] };
    const domain = (f: Figure): string[] => (spec(f)['layer'] as Json[])[0]!['encoding'].y.scale.domain;
    expect(domain(figure)).toEqual(['b', 'a']);
    expect(domain({ ...figure, layout: { yaxis: { autorange: 'reversed' } } })).toEqual(['a', 'b']);
    const text = (spec(figure)['layer'] as Json[])[1]!;
    expect(text['data'].values.map((v: Json) => v['label'])).toEqual(['1', '2', '3', '4']);
    expect(() => compile(spec(figure) as never)).not.toThrow();
  });

  it('draws image traces pixel by pixel and bars with their text above', () => {
    const image = spec({ data: [{ type: 'image', z: [[[0, 0, 0], [255, 255, 255]]] as never }] });
    expect((image['layer'] as Json[])[0]!['data'].values).toHaveLength(2);
    const bars = spec({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2], text: ['1', '2'] }] });
    expect((bars['layer'] as Json[]).map((l) => l['mark'].type)).toEqual(['bar', 'text']);
    expect(() => compile(image as never)).not.toThrow();
    expect(() => compile(bars as never)).not.toThrow();
  });

  it('widens the axis range around a single value so ticks are not degenerate', () => {
    const out = spec(lineChart({ x: [1], y: [0.51] }));
    const y = (out['layer'] as Json[])[0]!['encoding'].y.scale.domain as number[];
    expect(y[0]).toBeCloseTo(0.51 * 0.95, 10);
    expect(y[1]).toBeCloseTo(0.51 * 1.05, 10);
    expect(spec(lineChart({ y: [0, 0] }))['layer'][0].encoding.y.scale.domain).toEqual([-0.5, 0.5]);
  });

  it('puts only whole-number ticks on an x axis whose values are all integers', () => {
    const axis = (figure: Figure): Json => (spec(figure)['layer'] as Json[])[0]!['encoding'].x.axis;
    expect(axis(lineChart({ x: [1, 2, 3], y: [0.5, 0.4, 0.3] }))).toMatchObject({ tickMinStep: 1, format: ',d' });
    expect(axis(lineChart({ x: [0.5, 1.5], y: [0.5, 0.4] }))).not.toHaveProperty('tickMinStep');
  });

  it('shows the super-title of a one-panel figure above its subplot title', () => {
    const out = spec(trainingCurves({ loss: [2.08, 1.5] }, { title: 'Only loss' }));
    expect(out['title'].text).toBe('Only loss');
    expect(JSON.stringify(out['layer'])).toContain('"text":"Loss vs. epoch"');
    expect(spec(trainingCurves({ loss: [2.08, 1.5] }))['title'].text).toBe('Loss vs. epoch');
  });

  it('rejects NaN, empty data, mismatched lengths and unsupported features with typed errors', () => {
    expect(() => toVegaLite({ data: [] })).toThrow(PlotDataError);
    expect(() => toVegaLite({ data: [{ y: [1, NaN], name: 'train' }] })).toThrow(/trace 0 \("train"\) y\[1\] is NaN/);
    expect(() => toVegaLite({ data: [{ y: [1, Infinity] }] })).toThrow(/Infinity/);
    expect(() => toVegaLite({ data: [{ y: [] }] })).toThrow(/empty/);
    expect(() => toVegaLite({ data: [{ x: [1, 2, 3], y: [1, 2] }] })).toThrow(/has 3 values but y value has 2/);
    expect(() => toVegaLite({ data: [{ type: 'heatmap', z: [[1, 2], [3]] }] })).toThrow(PlotDataError);
    expect(() => toVegaLite({ data: [{ type: 'pie', values: [1] }] })).toThrow(UnsupportedPlotError);
    expect(() => toVegaLite({ data: [{ y: [1], xaxis: 'x2', yaxis: 'y' }] })).toThrow(/matching ids/);
    expect(() => toVegaLite({ data: [{ y: [1] }], layout: { annotations: [{ text: 'note', xref: 'paper' }] } })).toThrow(UnsupportedPlotError);
    expect(() => toVegaLite({ data: [{ type: 'heatmap', z: [[1]], colorscale: 'Nope' }] })).toThrow(/colorscale "Nope" is unknown/);
  });
});
