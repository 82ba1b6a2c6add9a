// The closed list of things the audit log records, with the payload each one carries, so a
// caller cannot invent a kind that `nono audit list --kind` would never be asked for. Named
// fields are the contract; extra fields are allowed and stored like the rest.

export const AUDIT_KINDS = [
  'daemon.start',
  'daemon.stop',
  'session.start',
  'session.exit',
  'session.attach',
  'session.detach',
  'net.allow',
  'net.deny',
  'net.fail',
  'credential.use',
  'snapshot.create',
  'snapshot.restore',
  'trust.verify',
  'trust.override',
  'rpc.auth_failure',
  'policy.refusal',
  'fs.deny',
  'sandbox.quarantine',
  'audit.prune',
  'pack.install',
  'pack.refuse',
  'pack.remove',
  'pack.pin',
  'pack.hook',
  'approval',
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number];

const KNOWN = new Set<string>(AUDIT_KINDS);

export function isAuditKind(value: unknown): value is AuditKind {
  return typeof value === 'string' && KNOWN.has(value);
}

type Open<T> = T & { [extra: string]: unknown };

interface NetDecision {
  host: string;
  port: number;
  rule: string;
}

/** Payload shape per kind. Numbers must be safe integers (see docs/audit.md), so durations are whole milliseconds. */
export interface AuditPayloads {
  'daemon.start': Open<{ pid: number; version: string }>;
  'daemon.stop': Open<{ pid: number; reason: string }>;
  'session.start': Open<{ policyDigest: string; command: string[]; profile: string; cwd: string; user: string }>;
  'session.exit': Open<{ code: number | null; signal: number | null; durationMs: number }>;
  'session.attach': Open<{ client: string; readOnly: boolean }>;
  'session.detach': Open<{ client: string }>;
  'net.allow': Open<NetDecision>;
  /** `cause`: hard, deny-rule, not-listed or unnamed-address; `suggest`: the allow rule that would change it, if any. */
  'net.deny': Open<NetDecision>;
  /** Allowed, but unreachable; `cause`: dns, refused, timeout, tls or unreachable. No rule changes it. */
  'net.fail': Open<NetDecision>;
  /** The route name only: the secret itself never reaches the log. */
  'credential.use': Open<{ route: string; host: string }>;
  'snapshot.create': Open<{ snapshotId: string }>;
  'snapshot.restore': Open<{ snapshotId: string; paths: string[] }>;
  'trust.verify': Open<{ path: string; result: string }>;
  'trust.override': Open<{ path: string; reason: string }>;
  'rpc.auth_failure': Open<{ peer: string; reason: string }>;
  'policy.refusal': Open<{ rule: string; reason: string }>;
  /** A file access a program in the session reported failing, confirmed against the session's plan. */
  'fs.deny': Open<{ path: string; op: 'read' | 'write'; rule: string; reason: string; protected: boolean }>;
  /** What a session planted for the host to run later, moved aside (or set-id bits stripped) when it ended. */
  'sandbox.quarantine': Open<{ kind: string; path: string; reason: string }>;
  /** Written by the log itself after retention removed rows from the head. */
  'audit.prune': Open<{ rows: number; throughSeq: number }>;
  /** A pack version verified (digest, signature, accepted publisher) and unpacked. */
  'pack.install': Open<{ pack: string; version: string; sha256: string; publisher: string; registry: string }>;
  /** A pull or verify refused, and why (digest, signature, publisher, unsafe archive, pin). */
  'pack.refuse': Open<{ pack: string; version: string; reason: string }>;
  'pack.remove': Open<{ pack: string; versions: string[] }>;
  'pack.pin': Open<{ pack: string; version: string; pinned: boolean }>;
  /** A pack's pre-run hook, run in the session's sandbox: `result` passed or refused, with its exit code. */
  'pack.hook': Open<{ pack: string; hook: string; result: 'passed' | 'refused'; code: number | null }>;
  /** One approval request put to the user (asked: how many were asked), or its decision: who answered, and the grant it made (once, session, profile, none). */
  approval: Open<{ request: 'network' | 'file'; subject: string; grant: string } & ({ answer: string; by: string } | { asked: number })>;
}

/** What `append` takes: a kind, its payload, and the session it belongs to (none for daemon events). */
export type AuditInput = {
  [K in AuditKind]: { kind: K; session?: string | null; payload: AuditPayloads[K] };
}[AuditKind];
