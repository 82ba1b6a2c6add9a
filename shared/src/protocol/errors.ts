// The one error catalogue: every failure a client can see has a stable kind, a JSON-RPC
// code and a message saying what failed, why, and what to do. Kinds are never reused.

export interface ErrorKindInfo {
  code: number;
  summary: string;
}

export const ERROR_KINDS = {
  PARSE_ERROR: { code: -32700, summary: 'The message was not valid JSON or not correctly framed.' },
  INVALID_REQUEST: { code: -32600, summary: 'The message was JSON but not a JSON-RPC 2.0 request.' },
  METHOD_NOT_FOUND: { code: -32601, summary: 'No method of that name; call rpc.discover for the list.' },
  INVALID_PARAMS: { code: -32602, summary: 'The params do not match the method schema; the message names the field.' },
  INTERNAL: { code: -32603, summary: 'A bug in nonod; the daemon log has the details.' },
  FRAME_TOO_LARGE: { code: -32700, summary: 'A message exceeded the 16 MiB limit and was discarded.' },
  UNAUTHENTICATED: { code: -32001, summary: 'The connection has not presented the daemon secret (auth.hello).' },
  BATCH_REFUSED: { code: -32007, summary: 'A batch came before auth.hello succeeded, or held more calls than the limit (100); nothing in it ran.' },
  SESSION_NOT_FOUND: { code: -32002, summary: 'No session has that name or id.' },
  NAME_TAKEN: { code: -32003, summary: 'A live session already uses that name.' },
  SESSION_EXITED: { code: -32004, summary: 'The session has exited; it takes no more input.' },
  SESSION_RUNNING: { code: -32006, summary: 'The session is still running; stop it before this operation.' },
  SESSION_READ_ONLY: { code: -32005, summary: 'The client is attached read-only; it cannot type into the session.' },
  PATH_NOT_FOUND: { code: -32010, summary: 'A path given for a grant, or one a snapshot, diff or restore needed, does not exist.' },
  PATH_DENIED: { code: -32011, summary: 'A grant would expose a protected path (credentials, nono state).' },
  PATH_INVALID: { code: -32012, summary: 'A path is not usable for a grant (relative, empty, or not resolvable).' },
  COMMAND_INVALID: { code: -32013, summary: 'No command was given to run.' },
  COMMAND_NOT_FOUND: { code: -32080, summary: 'The command to launch is on no PATH entry (nono run exits 127); the message lists where nono looked.' },
  COMMAND_BLOCKED: { code: -32081, summary: 'The command to launch is blocked by a command-blocking group or rule (nono run exits 126); --allow-command NAME lifts it.' },
  PROFILE_NOT_FOUND: { code: -32014, summary: 'No profile of that name in the user profile dir or the built-ins, and no such file.' },
  PROFILE_INVALID: { code: -32015, summary: 'A profile or group file is malformed; the message names the file and the key.' },
  PROFILE_EXISTS: { code: -32016, summary: 'A user profile of that name already exists; pass force to replace it.' },
  GROUP_NOT_FOUND: { code: -32017, summary: 'No security group of that name; nono policy groups lists them.' },
  CREDENTIAL_UNKNOWN: { code: -32018, summary: 'No credential route of that name; the message lists the known ones.' },
  CREDENTIAL_UNAVAILABLE: { code: -32019, summary: 'The real key of a credential cannot be read from its source.' },
  NO_DELETE_OVERRIDDEN: { code: -32026, summary: 'A write-without-delete grant lies inside a wider grant that may delete, which Landlock cannot narrow; the message names both.' },
  SANDBOX_UNAVAILABLE: { code: -32020, summary: 'The kernel or the helper cannot provide the sandbox.' },
  ISOLATION_UNAVAILABLE: { code: -32022, summary: 'Full isolation was required but user namespaces are unavailable; nono doctor says why.' },
  SPAWN_FAILED: { code: -32021, summary: 'The sandbox helper could not be started.' },
  APPROVAL_NOT_FOUND: { code: -32100, summary: 'No pending approval request has that id: the message says whether it was answered already (and how, by whom), withdrawn (its process exited, its session ended), timed out, or never asked (or belongs to another session); nono approvals lists them.' },
  SNAPSHOT_NOT_FOUND: { code: -32023, summary: 'No snapshot has that id; nono snapshot list shows them.' },
  SNAPSHOT_CORRUPT: { code: -32024, summary: 'A stored object or manifest no longer matches its hash; nothing was written from it.' },
  SNAPSHOT_BUSY: { code: -32025, summary: 'Another restore or gc holds the lock on that tree or store; wait for it or retry.' },
  SNAPSHOT_NAME_TAKEN: { code: -32027, summary: 'A snapshot of that directory already has that name; names are unique per directory, so pick another (or use a tag, which may repeat).' },
  DISK_FULL: { code: -32070, summary: 'The filesystem being written (the snapshot store or a tree being restored) is out of space or quota; the message names the path.' },
  PERMISSION_DENIED: { code: -32071, summary: 'The daemon may not read or write a path a snapshot, diff or restore needed; the message names it.' },
  READ_ONLY_FILESYSTEM: { code: -32072, summary: 'A path a restore or snapshot had to write is on a read-only filesystem; the message names it.' },
  TOO_MANY_OPEN_FILES: { code: -32073, summary: "The daemon hit its (or the system's) open-file limit; raise ulimit -n for nonod or retry when less is running." },
  AUDIT_CHAIN_BROKEN: { code: -32040, summary: 'The audit chain does not verify; the message names the first bad row.' },
  TRUST_POLICY_INVALID: { code: -32050, summary: 'A trust policy file is malformed; the message names the file and the key.' },
  TRUST_VERIFICATION_FAILED: { code: -32051, summary: 'An instruction file is unsigned, modified, blocklisted or signed by an unknown key.' },
  TRUST_BUNDLE_INVALID: { code: -32052, summary: 'A signature bundle is malformed, truncated or for another file.' },
  LEARN_UNAVAILABLE: { code: -32060, summary: 'The tracer learn needs (strace) is missing or cannot trace here.' },
  DAEMON_STOPPING: { code: -32030, summary: 'The daemon is shutting down and takes no new work.' },
  DAEMON_UNREACHABLE: { code: -32031, summary: 'The client could not reach or start the daemon.' },
  METHOD_UNAVAILABLE: { code: -32033, summary: 'The daemon could not load the code behind a method (a damaged or half-upgraded install); reinstall nono and restart the daemon.' },
  DATABASE_CORRUPT: { code: -32032, summary: "nono's database is damaged, truncated or another program's; nono doctor --move-database moves it aside." },
  PACK_NOT_FOUND: { code: -32090, summary: 'No pack (or no such version of it) in the registry or among the installed packs; nono pack search and nono pack list show what exists.' },
  PACK_INVALID: { code: -32091, summary: 'A pack archive or its manifest is malformed or unsafe (absolute or .. paths, links, devices, too big); nothing of it was installed.' },
  PACK_VERIFICATION_FAILED: { code: -32092, summary: "A pack's digest or signature does not match, or a pinned version's digest changed; nothing of it was installed." },
  PACK_PUBLISHER_UNKNOWN: { code: -32093, summary: 'A pack is signed by a key the user has not accepted; the message shows the fingerprint to accept with --accept-publisher.' },
  PACK_HOOK_FAILED: { code: -32096, summary: "A pre-run hook of the run's pack exited non-zero (or could not run) in the sandbox; the command did not start." },
  PACK_SKILL_CONFLICT: { code: -32097, summary: "A pack's skill goes where a file the pack did not place already is; nothing was overwritten and the command did not start." },
  REGISTRY_UNREACHABLE: { code: -32094, summary: 'The pack registry could not be reached or answered with an error; the message names the URL and the status.' },
  REGISTRY_AUTH_FAILED: { code: -32095, summary: 'The pack registry refused the request (401/403); log in with nono auth login URL.' },
} as const satisfies Record<string, ErrorKindInfo>;

export type ErrorKind = keyof typeof ERROR_KINDS;

export interface NonoErrorData {
  kind: ErrorKind;
  [detail: string]: unknown;
}

/** An error with a stable kind, thrown by either side and carried over the wire as error.data. */
export class NonoError extends Error {
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'NonoError';
    this.kind = kind;
    this.details = details;
  }

  get code(): number {
    return ERROR_KINDS[this.kind].code;
  }

  toData(): NonoErrorData {
    return { ...this.details, kind: this.kind };
  }
}

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && Object.hasOwn(ERROR_KINDS, value);
}
