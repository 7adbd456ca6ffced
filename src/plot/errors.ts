// Typed errors of the plot module: each message says what was expected, what came, and what to do.

/** Base class of every error thrown by src/plot, so callers can catch them as one family. */
export class PlotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Why a data check failed; lets tests and callers branch without parsing messages. */
export type PlotDataProblem = 'non-finite' | 'empty' | 'length-mismatch' | 'shape';

/** Data given to a chart or image cannot be drawn (NaN/Infinity, empty series, mismatched lengths, bad shape). */
export class PlotDataError extends PlotError {
  constructor(
    readonly problem: PlotDataProblem,
    message: string,
  ) {
    super(message);
  }
}

/** `savefig` was asked for an output format it cannot write. */
export class PlotFormatError extends PlotError {}

/** The figure uses a plotly feature that the Vega-Lite translation does not cover. */
export class UnsupportedPlotError extends PlotError {}

/** An option has a value outside its documented range (e.g. `scale: 0`, `cols: 1.5`). */
export class PlotOptionError extends PlotError {}
