// Public API of the plot module: figures in nodeplotlib's vocabulary, inline display, savefig, chart helpers.
export type { Annotation, Drawable, Figure, Layout, Plot, RasterImage, TensorLike } from './types.js';
export { PlotDataError, PlotError, PlotFormatError, PlotOptionError, UnsupportedPlotError, type PlotDataProblem } from './errors.js';
export { toVegaLite, VEGA_LITE_MIME, type VegaLiteSpec } from './vegalite.js';
export { renderImage, savefig, type ImageFormat, type SaveOptions } from './render.js';
export { display, setDisplaySink, show, type DisplayHandle, type DisplaySink } from './display.js';
export { imshow, type ImageInput, type ImshowOptions } from './image.js';
export {
  barChart, confusionMatrix, lineChart, subplots, trainingCurves,
  type BarOptions, type ChartOptions, type ConfusionOptions, type CurveHistory, type CurvesOptions, type LineSeries,
} from './charts.js';
export {
  liveChart, liveCurves,
  type BatchLogs, type EpochLogs, type LiveChart, type LiveChartOptions, type TrainingCallbacks,
} from './live.js';
export { BLUES, TRACE_COLORS } from './colors.js';
