export { ObjectStore, type StoredObject, type ObjectState } from './object-store.js';
export { takeSnapshot, readManifest, computeRoot, type Manifest, type ManifestEntry, type SnapshotOptions, type SnapshotResult } from './manifest.js';
export { DEFAULT_EXCLUDED_DIRS, type ExclusionRules } from './exclusions.js';
export { diffEntries, diffManifests, diffLive, type Change, type ChangeKind } from './diff.js';
export { restoreSnapshot, type RestoreOptions, type RestoreResult } from './restore.js';
export { verifySnapshot, type VerifyReport, type VerifyProblem } from './verify.js';
