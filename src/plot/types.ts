// Figure types in nodeplotlib's (plotly's) vocabulary, plus the raster image that imshow returns.
import type { Layout as NodeplotlibLayout, Plot as NodeplotlibPlot } from 'nodeplotlib';
import type { Annotations, XAxisName, YAxisName } from 'plotly.js';

/**
 * One trace, exactly nodeplotlib's `Plot` (plotly's `Partial<PlotData>`), plus `texttemplate`,
 * which plotly.js has had since 2.x but nodeplotlib's typings (plotly 1.54) lack.
 * Supported here: `scatter` (mode lines / markers / lines+markers), `bar`, `heatmap`, `image`.
 */
export type Plot = NodeplotlibPlot & { texttemplate?: string };

/** An annotation; `xref: 'x2 domain'` is plotly's way (since 1.56) to pin text to one subplot. */
export type Annotation = Omit<Partial<Annotations>, 'xref' | 'yref'> & {
  xref?: 'paper' | XAxisName | `${XAxisName} domain`;
  yref?: 'paper' | YAxisName | `${YAxisName} domain`;
};

/** nodeplotlib's `Layout` with annotations that may reference a subplot's domain (subplot titles). */
export type Layout = Omit<NodeplotlibLayout, 'annotations'> & { annotations?: Annotation[] };

/**
 * A figure as plotly and nodeplotlib take it: `plot(figure.data, figure.layout)`.
 * @example
 * const figure: Figure = { data: [{ x: [1, 2, 3], y: [0.9, 0.5, 0.3], type: 'scatter', name: 'train' }],
 *                          layout: { title: 'Loss', xaxis: { title: 'epoch' } } };
 */
export interface Figure {
  data: Plot[];
  layout?: Layout;
}

/** An RGBA picture with its PNG encoding, e.g. a grid of digits from `imshow`. Pixels are exact, never smoothed. */
export interface RasterImage {
  readonly kind: 'raster';
  readonly width: number;
  readonly height: number;
  /** `width * height * 4` bytes, row-major, straight (not premultiplied) alpha. */
  readonly rgba: Uint8Array;
  /** The same pixels as a PNG file. */
  readonly png: Uint8Array;
}

/** What `show`, `display` and `savefig` accept. */
export type Drawable = Figure | RasterImage;

/**
 * The part of a tf.Tensor this module reads, so src/plot needs no TensorFlow import.
 * The caller keeps ownership: nothing here disposes a tensor it was given.
 */
export interface TensorLike {
  readonly shape: number[];
  dataSync(): ArrayLike<number>;
}

/** True for a `RasterImage` (as opposed to a `Figure`). */
export function isRaster(target: Drawable): target is RasterImage {
  return (target as RasterImage).kind === 'raster';
}
