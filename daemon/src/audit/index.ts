// The audit log's public surface: the daemon constructs one AuditLog on its store and feeds
// it events; `nono audit` reads, verifies, prunes and exports through the same object.
export { AuditLog, type AuditLogOptions } from './audit-log.js';
export { AUDIT_KINDS, isAuditKind, type AuditKind, type AuditPayloads, type AuditInput } from './event-kinds.js';
export { canonicalPayload, rowHash, isSecretKey, GENESIS_HASH, REDACTED } from './canonical-encoding.js';
export { ensureAuditSchema } from './audit-schema.js';
export { verifyChain, type VerifyResult, type VerifyOptions, type AuditBreak, type AuditBreakReason, type AuditIntact } from './chain-verify.js';
export { ed25519Signer, signedMessage, type CheckpointSigner, type Checkpoint, type Anchor, type SignedRecord } from './checkpoints.js';
export { type PruneOptions, type PruneResult } from './retention.js';
export { listEvents, showEvent, type AuditEvent, type ListFilter } from './audit-query.js';
export { exportEvents, EXPORT_FORMAT, type ExportFormat, type ExportResult } from './audit-export.js';
