// Typed errors of the data library: each message names the file, what was wrong, and what to do next.

/** Any problem finding, reading or checking a data set. Subclasses say which kind. */
export class DatasetError extends Error {
  override readonly name: string = 'DatasetError';
  /** The file (or folder, or URL) the problem is about, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, file?: string) {
    super(message);
    this.file = file;
  }
}

/** A file that is not the IDX file it should be: wrong magic number, dtype, shape, or byte length. */
export class IdxFormatError extends DatasetError {
  override readonly name: string = 'IdxFormatError';

  constructor(file: string, problem: string, advice = adviceFor(file)) {
    super(`${file}: ${problem}. ${advice}`, file);
  }
}

/** A file whose checksum is not the recorded one: corrupt, truncated, or a different file. */
export class ChecksumError extends DatasetError {
  override readonly name: string = 'ChecksumError';
  readonly algorithm: string;
  readonly expected: string;
  readonly actual: string;

  constructor(file: string, algorithm: string, expected: string, actual: string, advice = adviceFor(file)) {
    super(`${file}: ${algorithm} is ${actual}, expected ${expected}; the file is corrupt or incomplete. ${advice}`, file);
    this.algorithm = algorithm;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Every mirror failed (network error, HTTP error, or a download that failed its checksum). */
export class DownloadError extends DatasetError {
  override readonly name: string = 'DownloadError';
  /** One line per mirror tried: the URL and why it failed. */
  readonly attempts: readonly string[];

  constructor(file: string, attempts: readonly string[], advice: string) {
    super(`Could not download ${file}:\n  ${attempts.join('\n  ')}\n${advice}`, file);
    this.attempts = attempts;
  }
}

/** The advice for a bad file on disk: delete it so the next load fetches a good copy. */
export function adviceFor(file: string): string {
  return `Delete ${file} and load again; a fresh copy will be made.`;
}
