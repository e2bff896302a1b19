// Typed errors: every one names the file (or artifact) and the reason, so a user can act on it. Ground layer:
// imports nothing of adreel's own. `cause` keeps the underlying error (an fs, SDK or zod error) for --debug and logs.

export interface ErrorOptions {
  cause?: unknown;
}

export class AdreelError extends Error {
  constructor(message: string, readonly code: string, readonly file?: string, options?: ErrorOptions) {
    super(file ? `${file}: ${message}` : message, options);
    this.name = new.target.name;
  }
}

/** An input image that cannot be read or used (corrupt, unsupported, too large, ...). */
export class InputImageError extends AdreelError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(reason, 'INPUT_IMAGE', file, options);
  }
}

/** A dataset-level problem: empty folder, duplicate names, mixed sizes that cannot be handled, ... */
export class DatasetError extends AdreelError {
  constructor(reason: string, file?: string, options?: ErrorOptions) {
    super(reason, 'DATASET', file, options);
  }
}

/** No object could be segmented in an image. */
export class SegmentationError extends AdreelError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(reason, 'SEGMENTATION', file, options);
  }
}

/** An image could not be aligned to the reference with enough confidence. */
export class AlignmentError extends AdreelError {
  constructor(file: string, reason: string, readonly score?: number) {
    super(reason, 'ALIGNMENT', file);
  }
}

/** FFmpeg missing, lacking libx265, or failing. */
export class EncoderError extends AdreelError {
  constructor(reason: string, file?: string, options?: ErrorOptions) {
    super(reason, 'ENCODER', file, options);
  }
}

/** A manifest, reel or other artifact that is missing, truncated or tampered with. */
export class IntegrityError extends AdreelError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(reason, 'INTEGRITY', file, options);
  }
}

/** Bad command-line or event arguments. */
export class UsageError extends AdreelError {
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, 'USAGE', undefined, options);
  }
}

/** A file-system operation on an output that failed (no space, read-only, permission, ...): path and what to do. */
export class OutputError extends AdreelError {
  constructor(file: string, reason: string) {
    super(reason, 'OUTPUT', file);
  }
}
