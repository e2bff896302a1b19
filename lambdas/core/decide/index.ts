// Decisions taken from each dataset's own statistics (segmenter, alignment mode, misalignment gate, frame size).
export { decideDataset, MASK_NOT_ASKED, type DatasetDecision, type DecideOptions } from './dataset.ts';
export { decideAlignmentMode, ALIGN_MODES, type AlignMode, type AlignModeDecision } from './alignment-mode.ts';
export { judgeMisalignment, misalignmentRule, MIN_OUTLIER_DEVIATION } from './misalignment.ts';
export { objectPresence } from './object-presence.ts';
export { checkRegistration, isRegistered } from './registration.ts';
export { compactDecisions, decisionsSchema, outlierSchema, type Decisions, type Outlier } from './schema.ts';
