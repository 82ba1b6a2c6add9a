// One descriptor per RPC method: the single source of the daemon's params validation, the
// typed client and the OpenRPC document (tmux's cmd_table[], as data).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CommandName } from '../policy/profile-schema.js';
import {
  Grants,
  SandboxPlan,
  SessionRef,
  SessionSummary,
  SignalName,
  TerminalSize,
  QuarantineFinding,
  ApprovalAnswer,
  ApprovalRequestView,
} from './schemas.js';

export interface MethodDescriptor<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  summary: string;
  params: P;
  result: R;
  /** false only for the method that performs authentication itself. */
  auth: boolean;
}

function method<P extends TSchema, R extends TSchema>(d: MethodDescriptor<P, R>): MethodDescriptor<P, R> {
  return d;
}

const Empty = Type.Object({}, { additionalProperties: false });

const ProgressToken = Type.String({ minLength: 1, maxLength: 64, description: 'Echoed in progress notifications sent while the call runs' });
const SnapshotRef = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'A snapshot id, its name, a tag (the newest snapshot with it) or a unique id prefix' });
const snapshotName = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_.-]*$', description });
const SnapshotName = snapshotName('Unique per directory; as a reference it wins over an id prefix spelled the same');
const AbsolutePath = Type.String({ minLength: 1, maxLength: 4096, pattern: '^/', description: 'An absolute path' });
const TrustKeyId = Type.String({ minLength: 1, maxLength: 54, pattern: '^[a-z0-9_.-]+$', description: 'Trust key id (default "default")' });
const RegistryUrl = Type.String({ minLength: 1, maxLength: 2048, description: "A pack registry's base URL (https, or http on loopback)" });
const PackRef = Type.String({ minLength: 3, maxLength: 200, description: 'NAMESPACE/NAME, optionally @VERSION' });
const PulledPack = Type.Object({ pack: Type.String(), version: Type.String(), sha256: Type.String(), publisher: Type.String(), installed: Type.Boolean({ description: 'false when that version was installed already' }) });
const InstalledPackInfo = Type.Object({
  pack: Type.String(),
  active: Type.String(),
  pinned: Type.Boolean(),
  registry: Type.String(),
  description: Type.String(),
  versions: Type.Array(Type.Object({ version: Type.String(), sha256: Type.String(), publisher: Type.String(), installedAt: Type.String() })),
});
const TRUST_KEY = { id: Type.String(), fingerprint: Type.String({ description: 'SHA-256 of the SPKI DER, hex' }), publicKeyPem: Type.String() };
const TRUST_FILES = {
  files: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 10_000, description: 'Absolute paths inside the workdir' })),
  all: Type.Optional(Type.Boolean({ description: "Every file the trust policy's include globs match under the workdir" })),
};
const TrustResult = Type.Object({
  path: Type.String({ description: 'Workdir-relative' }),
  status: Type.Union(['signed', 'modified', 'unsigned', 'unknown-signer', 'blocklisted', 'invalid-bundle'].map((s) => Type.Literal(s))),
  sha256: Type.String(),
  signer: Type.Optional(Type.String()),
  publisher: Type.Optional(Type.String()),
  signedAt: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});

const AuditEvent = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  session: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

/** What session.rollback and snapshot.restore both take besides the snapshot they restore. */
const RESTORE_OPTIONS = {
  paths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 10_000, description: 'Only these paths (absolute, inside the snapshot)' })),
  dryRun: Type.Optional(Type.Boolean()),
  progressToken: Type.Optional(ProgressToken),
};
const SnapshotGlobs = Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 256 });
const DiffDetail = Type.Union([Type.Literal('stat'), Type.Literal('patch')], { description: 'stat: line counts per file; patch: also unified diffs of text files' });

/** File names are bytes; these say how one that is not UTF-8 travels (shared/src/path-names.ts). */
const PATH_TEXT = 'Tree-relative path: the name itself when its bytes are UTF-8, else a quoted form with C escapes ("bad-\\377") for people';
const PathBase64 = Type.Optional(Type.String({ description: 'The exact bytes of the path, base64; present only when they are not UTF-8' }));

const ChangeRecord = Type.Object({
  kind: Type.String({ description: '+ added, ~ modified, - deleted, p mode or owner only' }),
  path: Type.String({ description: PATH_TEXT }),
  pathBase64: PathBase64,
  added: Type.Optional(Type.Integer({ description: 'Lines added (text files, with detail)' })),
  removed: Type.Optional(Type.Integer({ description: 'Lines removed (text files, with detail)' })),
  binary: Type.Optional(Type.Boolean()),
  patch: Type.Optional(Type.String({ description: 'Unified diff (detail "patch", text files)' })),
});

const SnapshotInfo = Type.Object({
  id: Type.String(),
  tree: Type.String(),
  created: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  session: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('baseline'), Type.Literal('final'), Type.Literal('manual')]),
  files: Type.Integer(),
  bytes: Type.Integer(),
  root: Type.String({ description: 'Merkle root over the sorted entries' }),
});

const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  snapshots: Type.Array(
    Type.Object({
      tree: Type.String(),
      manifest: Type.String(),
      rootMatches: Type.Boolean(),
      problems: Type.Array(Type.Object({ hash: Type.String(), path: Type.String({ description: PATH_TEXT }), pathBase64: PathBase64, state: Type.String() })),
    }),
  ),
});

/** What decides a sandbox: shared by session.run and the policy.* methods that explain it. */
const POLICY_REQUEST = {
  cwd: Type.String({ minLength: 1, maxLength: 4096 }),
  env: Type.Record(Type.String(), Type.String(), { description: "The caller's environment; the policy filters it." }),
  grants: Type.Optional(Grants),
  allowCwd: Type.Optional(Type.Boolean()),
  netBlock: Type.Optional(Type.Boolean()),
  profile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Profile name or path to a .json file (default: "default")' })),
  workdir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Directory for $WORKDIR and workdir.access (default: cwd)' })),
  allowDomain: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 1024 })),
  networkProfile: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  bypassProtection: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 256, description: 'Lift a deny for a granted path' }),
  ),
  allowCommand: Type.Optional(Type.Array(CommandName, { maxItems: 256, description: 'Let a command a blocking group blocks run' })),
  blockCommand: Type.Optional(Type.Array(CommandName, { maxItems: 256, description: 'Block another command (name or glob)' })),
  requireFullIsolation: Type.Optional(Type.Boolean({ description: 'Refuse to run on Landlock alone' })),
  credentials: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
      maxItems: 32,
      description: "Credential routes for phantom tokens: NAME or NAME=env://VAR (VAR from env, kept out of the sandbox) or NAME=file://PATH",
    }),
  ),
  allowEnv: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: '^[^=]+$' }), {
      maxItems: 256,
      description: 'Pass these variables of env although they look like secrets (or would hijack a loader)',
    }),
  ),
};

const Verdict = Type.Object({
  status: Type.Union([Type.Literal('ALLOWED'), Type.Literal('BLOCKED')]),
  target: Type.String(),
  op: Type.String(),
  reason: Type.String(),
  rule: Type.Union([Type.Object({ path: Type.String(), access: Type.String(), source: Type.String() }), Type.Null()]),
  group: Type.Union([Type.String(), Type.Null()]),
  scope: Type.Optional(
    Type.Union([Type.Literal('everywhere'), Type.Literal('launch'), Type.Null()], {
      description: 'For a command: blocked for every process (a stub in the view), or only as the command nono launches',
    }),
  ),
  enforced: Type.Boolean(),
});

const GroupView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  platform: Type.String(),
  required: Type.Boolean(),
  appliesHere: Type.Boolean(),
  paths: Type.Record(Type.String(), Type.Array(Type.String())),
  commands: Type.Record(Type.String(), Type.Array(Type.String()), {
    description: 'block_commands: stubbed for every process; block_launch: refused as the command nono launches',
  }),
});

const ProblemList = Type.Array(Type.Object({ file: Type.String(), key: Type.String(), message: Type.String() }));
const Ok = Type.Object({ ok: Type.Literal(true) });

/**
 * Asking for session.output as binary frames (LSP framing only); the reply says whether this
 * connection gets them. See docs/api.md "Binary output frames".
 */
const DIRECT_OUTPUT = {
  directOutput: Type.Optional(
    Type.Boolean({
      description:
        "Write the session's output straight to the caller's terminal (the pseudo-terminal on its stdout, found through the connection's peer process), as tmux's server does, instead of sending session.output; held until the caller sends session.ready. Only for a session on a terminal; the reply says whether it was granted.",
    }),
  ),
  directInput: Type.Optional(
    Type.Object(
      { detachKey: Type.Integer({ minimum: 0, maximum: 31, description: 'The detach prefix byte (a control key), followed by `d`' }) },
      {
        additionalProperties: false,
        description:
          "With directOutput, for a writer: read the caller's keys from its terminal (its stdin, the same terminal) too, from session.ready on, while the caller's job is the terminal's foreground job and is not stopped; the caller reads none itself. On the detach key nonod detaches the caller (session.detached, reason \"detach key\"); when a question is put to the caller, nonod stops reading and the caller reads its keys again. The reply says whether it was granted.",
      },
    ),
  ),
};

const BINARY_OUTPUT = {
  binaryOutput: Type.Optional(
    Type.Boolean({
      description:
        'Send this connection session.output as binary frames (headers Nono-Output: <session> <seq> <stream> and Content-Length, then the raw bytes) instead of JSON with base64. Honoured on LSP framing only; the reply says whether it was.',
    }),
  ),
};

export const METHODS = {
  'auth.hello': method({
    summary:
      'Authenticate the connection with the daemon secret read from the runtime dir (0600 file "secret"). Every other method needs it.',
    params: Type.Object(
      {
        token: Type.String({ minLength: 1, maxLength: 256 }),
        client: Type.Optional(Type.String({ maxLength: 128 })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ version: Type.String(), pid: Type.Integer(), protocol: Type.Integer() }),
    auth: false,
  }),
  'daemon.status': method({
    summary: 'The daemon pid, version, uptime, paths, session counts and the kernel sandbox features.',
    params: Empty,
    result: Type.Object({
      version: Type.String(),
      pid: Type.Integer(),
      uptimeMs: Type.Integer(),
      socket: Type.String(),
      stateDir: Type.String(),
      runtimeDir: Type.String(),
      sessions: Type.Object({ running: Type.Integer(), total: Type.Integer() }),
      sandbox: Type.Unknown({ description: 'nono-helper --probe output' }),
      warmClients: Type.Object(
        { starting: Type.Integer(), waiting: Type.Integer(), served: Type.Integer() },
        { description: 'Clients started ahead of time for the `nono` launcher: starting, waiting for a command, and commands they have run since the daemon started' },
      ),
    }),
    auth: true,
  }),
  'daemon.doctor': method({
    summary: 'What this kernel gives the sandbox (Landlock ABI, user namespaces, seccomp) and what each means for the user.',
    params: Empty,
    result: Type.Object({
      isolation: Type.Union([Type.Literal('view'), Type.Literal('landlock')]),
      checks: Type.Array(
        Type.Object({
          name: Type.String(),
          ok: Type.Boolean(),
          value: Type.String({ description: 'What was found, e.g. "ABI 7" or the errno text' }),
          meaning: Type.String({ description: 'What it means for the sandbox, and what to change when not ok' }),
        }),
      ),
    }),
    auth: true,
  }),
  'daemon.stop': method({
    summary: 'Stop the daemon after answering; running sessions are terminated.',
    params: Empty,
    result: Ok,
    auth: true,
  }),
  'session.run': method({
    summary:
      'Compile the grants into a sandbox and run argv in it. The calling connection is attached: it receives session.output and session.exit.',
    params: Type.Object(
      {
        argv: Type.Array(Type.String({ maxLength: 65536 }), { minItems: 1, maxItems: 4096 }),
        ...POLICY_REQUEST,
        dryRun: Type.Optional(Type.Boolean({ description: 'Return the plan a run would get, exactly as the helper would apply it, without running; the trust gate is checked (a deny refuses) but nothing is recorded.' })),
        terminal: Type.Optional(
          Type.Union([TerminalSize, Type.Null()], {
            description: 'Run on a pseudo-terminal of this size; null or absent runs with pipes.',
          }),
        ),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' })),
        detached: Type.Optional(Type.Boolean({ description: 'Start on a terminal with no client attached; nono attach joins it later.' })),
        snapshot: Type.Optional(Type.Boolean({ description: 'Snapshot the writable directories before and after, for session.diff and session.rollback' })),
        snapshotName: Type.Optional(snapshotName('Name the baseline snapshots (implies snapshot); snapshot.restore NAME puts them back')),
        trustOverride: Type.Optional(Type.Boolean({ description: 'Start even though instruction files fail the trust policy (recorded in the audit log)' })),
        snapshotExclude: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 256, description: 'Globs (tree-relative) left out of the snapshot and never touched by a rollback' })),
        snapshotInclude: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 256, description: 'Globs brought back into the snapshot, even inside node_modules and the like' })),
        ask: Type.Optional(Type.Boolean({ description: 'Ask instead of only denying (security.approvals): hosts no rule allows, and files outside the grants where the helper can' })),
        memoryBytes: Type.Optional(Type.Integer({ minimum: 1_048_576, maximum: 2 ** 50, description: 'Address-space limit of each process in the session' })),
        maxProcesses: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Processes and threads the session may have at once' })),
        ...BINARY_OUTPUT,
        ...DIRECT_OUTPUT,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      session: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
      plan: SandboxPlan,
      binaryOutput: Type.Optional(Type.Boolean({ description: 'Whether session.output comes to this connection as binary frames' })),
      directOutput: Type.Optional(Type.Boolean({ description: "Whether nonod writes the session's output to the caller's terminal (after session.ready)" })),
      directInput: Type.Optional(Type.Boolean({ description: "Whether nonod reads the caller's keys from its terminal (after session.ready)" })),
    }),
    auth: true,
  }),
  'session.input': method({
    summary: 'Send bytes (base64) to the session, or end its input (eof).',
    params: Type.Object(
      {
        session: SessionRef,
        data: Type.Optional(Type.String({ maxLength: 1_048_576, contentEncoding: 'base64' })),
        eof: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    result: Ok,
    auth: true,
  }),
  'session.resize': method({
    summary: "Resize the session's terminal.",
    params: Type.Object({ session: SessionRef, rows: TerminalSize.properties.rows, cols: TerminalSize.properties.cols }, {
      additionalProperties: false,
    }),
    result: Ok,
    auth: true,
  }),
  'session.signal': method({
    summary: "Send a signal to the session's command (for callers without a terminal).",
    params: Type.Object({ session: SessionRef, signal: SignalName }, { additionalProperties: false }),
    result: Ok,
    auth: true,
  }),
  'session.list': method({
    summary: 'Sessions known to the daemon, newest first: live ones and those that ended in the last hour, or every remembered one with all.',
    params: Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    result: Type.Object({ sessions: Type.Array(SessionSummary) }),
    auth: true,
  }),
  'session.attach': method({
    summary:
      'Attach the calling connection to a live session: the result carries the screen as it is now (escape sequences, from a cleared screen at its top), then session.output, session.resize and session.exit follow.',
    params: Type.Object(
      {
        session: SessionRef,
        readOnly: Type.Optional(Type.Boolean({ description: 'Watch only: input from this connection is refused.' })),
        size: Type.Optional(Type.Union([TerminalSize, Type.Null()], { description: "The client's terminal size; a writer's becomes the session's." })),
        replay: Type.Optional(Type.Boolean({ description: 'Send the current screen first (default true).' })),
        ...BINARY_OUTPUT,
        ...DIRECT_OUTPUT,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      session: SessionSummary,
      screen: Type.Union([Type.String({ contentEncoding: 'base64' }), Type.Null()], { description: 'Null with directOutput: nonod writes the screen to the terminal first' }),
      size: Type.Union([TerminalSize, Type.Null()]),
      binaryOutput: Type.Boolean({ description: 'Whether session.output comes to this connection as binary frames' }),
      directOutput: Type.Optional(Type.Boolean({ description: "Whether nonod writes the session's output to the caller's terminal (after session.ready)" })),
      directInput: Type.Optional(Type.Boolean({ description: "Whether nonod reads the caller's keys from its terminal (after session.ready)" })),
    }),
    auth: true,
  }),
  'session.ready': method({
    summary:
      "The caller's terminal is ready (raw mode set, its own lines written): nonod writes the output it held for it (directOutput) now, and the rest as it comes. Until then the session's other notifications to the caller wait too.",
    params: Type.Object({ session: SessionRef }, { additionalProperties: false }),
    result: Ok,
    auth: true,
  }),
  'session.detach': method({
    summary: 'Detach the calling connection from a session, or with all, every client of it. The session goes on.',
    params: Type.Object({ session: SessionRef, all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    result: Type.Object({ detached: Type.Integer() }),
    auth: true,
  }),
  'session.stop': method({
    summary: "End a session's whole process tree: HUP and TERM, then KILL after timeoutMs (or at once with force).",
    params: Type.Object(
      {
        session: SessionRef,
        force: Type.Optional(Type.Boolean()),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ session: SessionSummary }),
    auth: true,
  }),
  'session.logs': method({
    summary: "A session's recorded output (bounded on disk), all of it or the last tail lines.",
    params: Type.Object(
      {
        session: SessionRef,
        tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        net: Type.Optional(Type.Boolean({ description: "The proxy's decisions (NDJSON lines) instead of the output" })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      data: Type.String({ contentEncoding: 'base64' }),
      live: Type.Boolean(),
      nextSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'For a live session: the seq of the first session.output not in data' }),
    }),
    auth: true,
  }),
  'session.inspect': method({
    summary: 'One session in full: its summary and the resolved plan it runs under.',
    params: Type.Object({ session: SessionRef }, { additionalProperties: false }),
    result: Type.Object({
      session: SessionSummary,
      plan: Type.Union([SandboxPlan, Type.Null()]),
      log: Type.String(),
      approvalGrants: Type.Optional(Type.Array(Type.String(), { description: 'What approvals granted for the rest of the session (allow-session, always); they end with it' })),
    }),
    auth: true,
  }),
  'session.diff': method({
    summary: "What a --snapshot session changed in its writable directories: + added, ~ modified, - deleted, p mode or owner only; with detail, line counts and unified diffs of text files.",
    params: Type.Object({ session: SessionRef, detail: Type.Optional(DiffDetail) }, { additionalProperties: false }),
    result: Type.Object({
      trees: Type.Array(Type.Object({ tree: Type.String(), changes: Type.Array(ChangeRecord) })),
      quarantined: Type.Array(QuarantineFinding, { description: 'What nono moved aside (or stripped of set-id bits) when the session ended' }),
    }),
    auth: true,
  }),
  'session.rollback': method({
    summary: "Restore a --snapshot session's writable directories (or only the given paths) to the baseline taken before it started.",
    params: Type.Object(
      {
        session: SessionRef,
        ...RESTORE_OPTIONS,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      trees: Type.Array(Type.Object({ tree: Type.String(), changes: Type.Array(ChangeRecord), restored: Type.Boolean() })),
    }),
    auth: true,
  }),
  'session.verify': method({
    summary: "Re-hash every object a session's snapshots name and check their Merkle roots; problems are named by object and path.",
    params: Type.Object({ session: SessionRef, progressToken: Type.Optional(ProgressToken) }, { additionalProperties: false }),
    result: VerifyResult,
    auth: true,
  }),
  'snapshot.create': method({
    summary: 'Snapshot a directory now, outside any session: its files go into the object store and a manifest records them.',
    params: Type.Object(
      {
        path: Type.String({ minLength: 1, maxLength: 4096, description: 'Absolute path of the directory to snapshot' }),
        label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        name: Type.Optional(SnapshotName),
        tags: Type.Optional(Type.Array(SnapshotName, { maxItems: 32, description: 'Tags may repeat across snapshots; a tag names the newest snapshot that has it' })),
        exclude: Type.Optional(SnapshotGlobs),
        include: Type.Optional(SnapshotGlobs),
        progressToken: Type.Optional(ProgressToken),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ snapshot: SnapshotInfo, filesHashed: Type.Integer(), filesCached: Type.Integer() }),
    auth: true,
  }),
  'snapshot.list': method({
    summary: "Every snapshot in the store, newest first: taken by hand or around --snapshot sessions. With session, that session's, once its final snapshot is in.",
    params: Type.Object(
      {
        path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Only snapshots of this directory' })),
        session: Type.Optional(SessionRef),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ snapshots: Type.Array(SnapshotInfo) }),
    auth: true,
  }),
  'snapshot.show': method({
    summary: 'One snapshot: its record, and with entries its files, symlinks and directories.',
    params: Type.Object({ id: SnapshotRef, entries: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    result: Type.Object({
      snapshot: SnapshotInfo,
      exclude: Type.Array(Type.String()),
      include: Type.Array(Type.String()),
      entries: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.String({ description: PATH_TEXT }),
            pathBase64: PathBase64,
            type: Type.String(),
            size: Type.Optional(Type.Integer()),
            mode: Type.Optional(Type.Integer()),
            target: Type.Optional(Type.String({ description: 'Symlink target, quoted like path when not UTF-8' })),
            targetBase64: Type.Optional(Type.String({ description: 'The exact bytes of the target, base64; present only when they are not UTF-8' })),
          }),
        ),
      ),
    }),
    auth: true,
  }),
  'snapshot.diff': method({
    summary: 'What changed in the tree since a snapshot (or between two snapshots of the same tree).',
    params: Type.Object({ id: SnapshotRef, to: Type.Optional(SnapshotRef), detail: Type.Optional(DiffDetail) }, { additionalProperties: false }),
    result: Type.Object({ tree: Type.String(), changes: Type.Array(ChangeRecord) }),
    auth: true,
  }),
  'snapshot.restore': method({
    summary: 'Put a directory (or only the given paths in it) back as a snapshot had it; excluded paths are never touched.',
    params: Type.Object(
      {
        id: SnapshotRef,
        ...RESTORE_OPTIONS,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      tree: Type.String(),
      changes: Type.Array(ChangeRecord),
      restored: Type.Boolean(),
      resumed: Type.Integer(),
      trees: Type.Optional(Type.Array(Type.Object({ tree: Type.String(), changes: Type.Array(ChangeRecord) }), { description: 'Every directory restored, when a name stood for the baselines of several (tree and changes are the first)' })),
    }),
    auth: true,
  }),
  'snapshot.verify': method({
    summary: 'Re-hash the objects of one snapshot (or of all) and check their Merkle roots; damage is named by object and path.',
    params: Type.Object({ id: Type.Optional(SnapshotRef), progressToken: Type.Optional(ProgressToken) }, { additionalProperties: false }),
    result: VerifyResult,
    auth: true,
  }),
  'snapshot.gc': method({
    summary: 'Apply the retention policy (config.json "snapshots"), then delete objects no manifest names and stale temp files.',
    params: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    result: Type.Object({
      removedSnapshots: Type.Array(Type.String()),
      removedObjects: Type.Integer(),
      freedBytes: Type.Integer(),
      keptObjects: Type.Integer(),
      keptBytes: Type.Integer(),
      dryRun: Type.Boolean(),
    }),
    auth: true,
  }),
  'session.prune': method({
    summary: "Forget sessions that ended: their rows and their logs. Live sessions are kept.",
    params: Empty,
    result: Type.Object({ removed: Type.Integer() }),
    auth: true,
  }),
  'policy.why': method({
    summary: 'Would the sandbox allow this path operation or this host? Names the rule and group that decide.',
    params: Type.Object(
      {
        ...POLICY_REQUEST,
        path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
        command: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Would this command run, or is it blocked?' })),
        op: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write')])),
      },
      { additionalProperties: false },
    ),
    result: Verdict,
    auth: true,
  }),
  'policy.groups': method({
    summary: 'The security groups, or one of them, with what each grants and denies.',
    params: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, { additionalProperties: false }),
    result: Type.Object({ groups: Type.Array(GroupView) }),
    auth: true,
  }),
  'policy.show': method({
    summary: 'A profile fully resolved: the merged profile (raw) and the sandbox plan it gives here, or on another platform.',
    params: Type.Object(
      {
        ...POLICY_REQUEST,
        raw: Type.Optional(Type.Boolean()),
        platform: Type.Optional(Type.Union([Type.Literal('linux'), Type.Literal('macos')], { description: "Compile with that platform's groups (default: the daemon's)" })),
        sbpl: Type.Optional(Type.Boolean({ description: 'Also return the Seatbelt profile (SBPL) the macOS helper would apply; implies platform macos' })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ profile: Type.Unknown(), plan: SandboxPlan, sbpl: Type.Optional(Type.String({ description: 'With sbpl: the Seatbelt profile, for review' })) }),
    auth: true,
  }),
  'policy.diff': method({
    summary: 'What profile b grants or denies that profile a does not, and the reverse.',
    params: Type.Object(
      { ...POLICY_REQUEST, a: Type.String({ minLength: 1, maxLength: 4096 }), b: Type.String({ minLength: 1, maxLength: 4096 }) },
      { additionalProperties: false },
    ),
    result: Type.Object({
      a: Type.String(),
      b: Type.String(),
      rules: Type.Array(Type.Object({ path: Type.String(), a: Type.Union([Type.String(), Type.Null()]), b: Type.Union([Type.String(), Type.Null()]) })),
      groups: Type.Object({ onlyA: Type.Array(Type.String()), onlyB: Type.Array(Type.String()) }),
      network: Type.Object({ a: Type.String(), b: Type.String() }),
      hosts: Type.Object({ onlyA: Type.Array(Type.String()), onlyB: Type.Array(Type.String()) }),
    }),
    auth: true,
  }),
  'profile.validate': method({
    summary: 'Check a profile file (and what it extends): every problem, each located by file and key, and every check a run here makes that needs no command.',
    params: Type.Object(
      {
        file: Type.String({ minLength: 1, maxLength: 4096 }),
        cwd: Type.String({ minLength: 1, maxLength: 4096 }),
        env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "The caller's environment, resolved as a run's would be (default: the daemon's HOME only)" })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ file: Type.String(), valid: Type.Boolean(), problems: ProblemList }),
    auth: true,
  }),
  'profile.init': method({
    summary: 'Write a new profile to the user profile dir (or an output path), extending a base and including groups; full writes every section.',
    params: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
        extends: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
        force: Type.Optional(Type.Boolean()),
        full: Type.Optional(Type.Boolean({ description: 'Write every section with its empty default, as a template to fill in' })),
        output: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, pattern: '^/', description: 'Write the profile to this absolute path instead of the user profile dir' })),
        description: Type.Optional(Type.String({ maxLength: 512, description: 'meta.description' })),
        fromLearn: Type.Optional(
          Type.Object({ fragment: Type.Record(Type.String(), Type.Unknown()), file: Type.String({ maxLength: 4096 }) }, { description: 'A nono learn --json fragment (and the file it came from, for messages)' }),
        ),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ file: Type.String() }),
    auth: true,
  }),
  'profile.use': method({
    summary: 'Make a profile the default for nono run and nono shell when none is named (config.json default_profile).',
    params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
    result: Type.Object({ profile: Type.String(), file: Type.String() }),
    auth: true,
  }),
  'profile.list': method({
    summary: 'Built-in and user profiles (a user profile of the same name replaces the built-in).',
    params: Empty,
    result: Type.Object({
      profiles: Type.Array(
        Type.Object({
          name: Type.String(),
          builtin: Type.Boolean(),
          file: Type.String(),
          description: Type.String(),
          extends: Type.Array(Type.String()),
        }),
      ),
    }),
    auth: true,
  }),
  'profile.schema': method({
    summary: 'The JSON Schema of the profile format.',
    params: Empty,
    result: Type.Unknown(),
    auth: true,
  }),
  'profile.guide': method({
    summary: 'A short guide to writing profiles (Markdown).',
    params: Empty,
    result: Type.Object({ markdown: Type.String() }),
    auth: true,
  }),
  'credential.set': method({
    summary: 'Store a real key in the OS keychain under a name. The secret is never logged or echoed.',
    params: Type.Object(
      { name: Type.String({ minLength: 1, maxLength: 64 }), secret: Type.String({ minLength: 1, maxLength: 65536 }) },
      { additionalProperties: false },
    ),
    result: Type.Object({ name: Type.String(), backend: Type.String() }),
    auth: true,
  }),
  'trust.keygen': method({
    summary:
      'Create an ECDSA P-256 signing key in the keychain; with no user trust policy yet, write one naming this key as publisher (enforcement warn, or deny with enforce). With enforce, an existing user policy is set to deny.',
    params: Type.Object(
      { id: Type.Optional(TrustKeyId), enforce: Type.Optional(Type.Boolean({ description: 'Refuse runs on unsigned or modified instruction files (enforcement deny)' })) },
      { additionalProperties: false },
    ),
    result: Type.Object({
      ...TRUST_KEY,
      policyCreated: Type.Union([Type.String(), Type.Null()], { description: 'The user trust policy written or changed, if any' }),
      enforcement: Type.Union([Type.String(), Type.Null()], { description: "The user trust policy's enforcement after the call (null: none)" }),
    }),
    auth: true,
  }),
  'trust.exportKey': method({
    summary: 'The public half of a trust key (SPKI PEM) and its fingerprint, for a publisher entry elsewhere.',
    params: Type.Object({ id: Type.Optional(TrustKeyId) }, { additionalProperties: false }),
    result: Type.Object(TRUST_KEY),
    auth: true,
  }),
  'trust.sign': method({
    summary: 'Sign instruction files: each gets FILE.bundle, a DSSE envelope over an in-toto statement of its path and SHA-256.',
    params: Type.Object({ workdir: AbsolutePath, ...TRUST_FILES, key: Type.Optional(TrustKeyId) }, { additionalProperties: false }),
    result: Type.Object({ signed: Type.Array(Type.Object({ file: Type.String(), bundlePath: Type.String(), sha256: Type.String(), fingerprint: Type.String() })) }),
    auth: true,
  }),
  'trust.verify': method({
    summary: 'Verify instruction files (the given ones, or every included one) against the trust policy; ok is false if any is not signed by a publisher.',
    params: Type.Object({ workdir: AbsolutePath, ...TRUST_FILES }, { additionalProperties: false }),
    result: Type.Object({ ok: Type.Boolean(), enforcement: Type.String(), policyFiles: Type.Array(Type.String()), results: Type.Array(TrustResult) }),
    auth: true,
  }),
  'trust.list': method({
    summary: 'Every instruction file the trust policy includes under the workdir: signed by whom, modified, unsigned.',
    params: Type.Object({ workdir: AbsolutePath }, { additionalProperties: false }),
    result: Type.Object({ enforcement: Type.String(), policyFiles: Type.Array(Type.String()), results: Type.Array(TrustResult) }),
    auth: true,
  }),
  'audit.list': method({
    summary: 'Audit events, oldest first (or newest first), filtered by session, kind and time; page with afterSeq.',
    params: Type.Object(
      {
        session: Type.Optional(SessionRef),
        kind: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
        since: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601 time; events at or after it' })),
        until: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601 time; events before it' })),
        afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        newestFirst: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ events: Type.Array(AuditEvent) }),
    auth: true,
  }),
  'audit.show': method({
    summary: 'One audit event by its sequence number, with its hashes.',
    params: Type.Object({ seq: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    result: Type.Object({ event: AuditEvent }),
    auth: true,
  }),
  'audit.verify': method({
    summary: 'Walk the hash chain from its anchor, checking every row and signed checkpoint; names the first broken row.',
    params: Empty,
    result: Type.Object({
      ok: Type.Boolean(),
      rows: Type.Optional(Type.Integer()),
      lastSeq: Type.Optional(Type.Integer()),
      checkpoints: Type.Optional(Type.Integer()),
      firstBadSeq: Type.Optional(Type.Integer()),
      reason: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      provenThroughSeq: Type.Optional(Type.Integer({ description: 'The newest row a signed checkpoint (or signed retention anchor) pins; 0 when none does' })),
      tailProven: Type.Optional(
        Type.Boolean({ description: 'Whether every row is pinned by a signature; when false, rows after provenThroughSeq could be deleted without verify noticing' }),
      ),
      signedCheckpoints: Type.Boolean({ description: 'Whether this daemon signs checkpoints (with the keychain key, else the key file in the state dir)' }),
      keySource: Type.Union([Type.Literal('keychain'), Type.Literal('file'), Type.Null()], { description: 'Where the checkpoint key is kept this run' }),
    }),
    auth: true,
  }),
  'audit.export': method({
    summary: 'Write every event, with its hashes, the anchor and the checkpoints, to a file a third party can verify (docs/audit.md).',
    params: Type.Object(
      { path: AbsolutePath, format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('json')])) },
      { additionalProperties: false },
    ),
    result: Type.Object({ path: Type.String(), events: Type.Integer(), checkpoints: Type.Integer(), anchorSeq: Type.Union([Type.Integer(), Type.Null()]) }),
    auth: true,
  }),
  'credential.list': method({
    summary: 'Names of the stored credentials and the backend holding them; never values.',
    params: Empty,
    result: Type.Object({ backend: Type.String(), names: Type.Array(Type.String()) }),
    auth: true,
  }),
  'credential.rm': method({
    summary: 'Delete a stored credential.',
    params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    result: Type.Object({ removed: Type.Boolean() }),
    auth: true,
  }),
  'credential.test': method({
    summary: 'Whether a credential can be read now (from the keychain or its fallback), without revealing it.',
    params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    result: Type.Object({ name: Type.String(), readable: Type.Boolean(), length: Type.Integer() }),
    auth: true,
  }),
  'registry.login': method({
    summary: "Store a pack registry's access token in the keychain (never on disk) and make the registry the default for pulls if none is yet.",
    params: Type.Object({ url: RegistryUrl, token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
    result: Type.Object({ url: Type.String(), default: Type.Boolean({ description: 'Whether this registry is now the default' }) }),
    auth: true,
  }),
  'registry.logout': method({
    summary: "Forget a registry's token.",
    params: Type.Object({ url: RegistryUrl }, { additionalProperties: false }),
    result: Type.Object({ url: Type.String(), removed: Type.Boolean() }),
    auth: true,
  }),
  'registry.status': method({
    summary: 'The registries known to nono: which holds a token and which is the default; never the tokens.',
    params: Empty,
    result: Type.Object({ registries: Type.Array(Type.Object({ url: Type.String(), loggedIn: Type.Boolean(), default: Type.Boolean() })) }),
    auth: true,
  }),
  'registry.serve': method({
    summary: 'Serve a published registry directory read-only over HTTP on loopback (or the given host) until the calling connection closes.',
    params: Type.Object(
      {
        dir: AbsolutePath,
        host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Require this bearer token on every request' })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ url: Type.String() }),
    auth: true,
  }),
  'pack.pull': method({
    summary: "Download, verify (digest, signature, accepted publisher, safe archive) and install a pack with its dependencies; progress as bytes.",
    params: Type.Object(
      {
        pack: PackRef,
        registry: Type.Optional(RegistryUrl),
        acceptPublisher: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Accept this publisher key fingerprint for this and later pulls' })),
        progressToken: Type.Optional(ProgressToken),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ registry: Type.String(), pulled: Type.Array(PulledPack) }),
    auth: true,
  }),
  'pack.update': method({
    summary: 'Pull the newest version of every installed pack (or the one named) that is not pinned.',
    params: Type.Object({ pack: Type.Optional(PackRef), progressToken: Type.Optional(ProgressToken) }, { additionalProperties: false }),
    result: Type.Object({ pulled: Type.Array(PulledPack), skipped: Type.Array(Type.Object({ pack: Type.String(), reason: Type.String() })) }),
    auth: true,
  }),
  'pack.list': method({
    summary: 'Installed packs: active version, pin, registry and every installed version with its digest and publisher.',
    params: Empty,
    result: Type.Object({ packs: Type.Array(InstalledPackInfo) }),
    auth: true,
  }),
  'pack.remove': method({
    summary: 'Remove an installed pack, every version of it.',
    params: Type.Object({ pack: PackRef }, { additionalProperties: false }),
    result: Type.Object({ pack: Type.String(), removed: Type.Boolean() }),
    auth: true,
  }),
  'pack.outdated': method({
    summary: "Installed packs whose registry lists a newer version (asks each pack's registry).",
    params: Empty,
    result: Type.Object({ packs: Type.Array(Type.Object({ pack: Type.String(), active: Type.String(), latest: Type.String(), pinned: Type.Boolean() })) }),
    auth: true,
  }),
  'pack.search': method({
    summary: "Packs in a registry's catalogue whose name or description contains the query.",
    params: Type.Object({ query: Type.String({ maxLength: 200 }), registry: Type.Optional(RegistryUrl) }, { additionalProperties: false }),
    result: Type.Object({ registry: Type.String(), packs: Type.Array(Type.Object({ pack: Type.String(), latest: Type.String(), description: Type.String(), installed: Type.Union([Type.String(), Type.Null()]) })) }),
    auth: true,
  }),
  'pack.pin': method({
    summary: 'Pin an installed pack at its active version (or the version named): update leaves it, pull keeps it, a changed digest is refused.',
    params: Type.Object({ pack: PackRef, pinned: Type.Boolean({ description: 'false unpins' }) }, { additionalProperties: false }),
    result: Type.Object({ pack: Type.String(), version: Type.String(), pinned: Type.Boolean() }),
    auth: true,
  }),
  'pack.verify': method({
    summary: "Check every installed file of a pack (or of every pack) against the digests recorded when it was verified and installed.",
    params: Type.Object({ pack: Type.Optional(PackRef) }, { additionalProperties: false }),
    result: Type.Object({ ok: Type.Boolean(), packs: Type.Array(Type.Object({ pack: Type.String(), version: Type.String(), ok: Type.Boolean(), problems: Type.Array(Type.String()) })) }),
    auth: true,
  }),
  'pack.publish': method({
    summary: 'Build the pack in a directory, sign it with a trust key and write the files a static registry serves into another directory.',
    params: Type.Object({ dir: AbsolutePath, to: AbsolutePath, key: Type.Optional(TrustKeyId) }, { additionalProperties: false }),
    result: Type.Object({ pack: Type.String(), version: Type.String(), sha256: Type.String(), size: Type.Integer(), publisher: Type.String(), written: Type.Boolean(), files: Type.Array(Type.String()) }),
    auth: true,
  }),
  'approval.subscribe': method({
    summary: 'Receive approval.requested and approval.resolved for every session on this connection (an editor opting in to answer).',
    params: Type.Object({ off: Type.Optional(Type.Boolean({ description: 'Stop receiving them' })) }, { additionalProperties: false }),
    result: Type.Object({ subscribed: Type.Boolean(), pending: Type.Array(ApprovalRequestView) }),
    auth: true,
  }),
  'approval.list': method({
    summary: 'Approval requests: the pending ones, then the latest answered ones (denied at once when nobody could be asked included).',
    params: Type.Object({ session: Type.Optional(SessionRef) }, { additionalProperties: false }),
    result: Type.Object({ requests: Type.Array(ApprovalRequestView) }),
    auth: true,
  }),
  'approval.answer': method({
    summary: 'Answer a pending approval request; the first answer wins and every asker sees approval.resolved. With session, the request must be that session\'s (an attached terminal answers only its own). allow-session and always are refused (PATH_DENIED) for a directory that holds a protected path, and always for any directory (PATH_INVALID); the request stays open for another answer.',
    params: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64 }),
        answer: ApprovalAnswer,
        readOnly: Type.Optional(Type.Boolean({ description: 'For a file asked for writing: allow reading only' })),
        session: Type.Optional(SessionRef),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ request: ApprovalRequestView, diff: Type.Optional(Type.String({ description: 'For always: the change written to the profile draft' })) }),
    auth: true,
  }),
  'rpc.discover': method({
    summary: 'The OpenRPC document describing every method and notification.',
    params: Empty,
    result: Type.Unknown(),
    auth: true,
  }),
} as const;

export type MethodName = keyof typeof METHODS;
export type ParamsOf<M extends MethodName> = Static<(typeof METHODS)[M]['params']>;
export type ResultOf<M extends MethodName> = Static<(typeof METHODS)[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}
