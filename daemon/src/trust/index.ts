// The trust subsystem's surface: keys, signing, policy and verification of instruction files.
// The CLI and RPC layers import from here only.
export { TrustKeyStore, DEFAULT_KEY_ID, keyFingerprint, type TrustVault, type TrustPublicKey, type TrustSigningKey } from './trust-keys.js';
export { signInstructionFile, type SignResult } from './sign-file.js';
export { preAuthEncoding, type DsseEnvelope, type DsseSignature } from './dsse-envelope.js';
export { INTOTO_PAYLOAD_TYPE, INSTRUCTION_PREDICATE_TYPE, STATEMENT_TYPE, type InstructionStatement } from './intoto-statement.js';
export { BUNDLE_MEDIA_TYPE, bundlePathFor, type SignatureBundle } from './signature-bundle.js';
export { TrustPolicySchema, type TrustPolicyDocument } from './trust-policy-schema.js';
export {
  DEFAULT_INCLUDE,
  POLICY_FILE_NAME,
  loadTrustPolicy,
  mergeTrustPolicies,
  parseTrustPolicy,
  readTrustPolicy,
  type BlocklistEntry,
  type Enforcement,
  type TrustPolicy,
  type TrustPolicyLayer,
  type TrustPublisher,
} from './trust-policy.js';
export { SKIPPED_DIRS, scanInstructionFiles } from './instruction-scan.js';
export { listTrust, trustDenial, verifyAll, verifyInstructionFile, type TrustFileResult, type TrustReport, type TrustStatus } from './verify-files.js';
