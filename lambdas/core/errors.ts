// Typed errors: every one names the file (or artifact) and the reason, so a user can act on it.

export class AdreelError extends Error {
  constructor(message: string, readonly code: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = new.target.name;
  }
}

/** An input image that cannot be read or used (corrupt, unsupported, too large, ...). */
export class InputImageError extends AdreelError {
  constructor(file: string, reason: string) {
    super(reason, 'INPUT_IMAGE', file);
  }
}

/** A dataset-level problem: empty folder, duplicate names, mixed sizes that cannot be handled, ... */
export class DatasetError extends AdreelError {
  constructor(reason: string, file?: string) {
    super(reason, 'DATASET', file);
  }
}

/** No object could be segmented in an image. */
export class SegmentationError extends AdreelError {
  constructor(file: string, reason: string) {
    super(reason, 'SEGMENTATION', file);
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
  constructor(reason: string, file?: string) {
    super(reason, 'ENCODER', file);
  }
}

/** A manifest, reel or other artifact that is missing, truncated or tampered with. */
export class IntegrityError extends AdreelError {
  constructor(file: string, reason: string) {
    super(reason, 'INTEGRITY', file);
  }
}

/** Bad command-line or event arguments. */
export class UsageError extends AdreelError {
  constructor(reason: string) {
    super(reason, 'USAGE');
  }
}

/** A file-system operation on an output that failed (no space, read-only, permission, ...): path and what to do. */
export class OutputError extends AdreelError {
  constructor(file: string, reason: string) {
    super(reason, 'OUTPUT', file);
  }
}
