// JSON Schemas (TypeBox) of every value crossing the control socket. The daemon validates
// params with these, the client gets its types from them, rpc.discover publishes them.
import { Type, type Static } from '@sinclair/typebox';

export const SessionRef = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'A session name, its 16-hex-digit id, or a unique prefix of the id.',
});

export const TerminalSize = Type.Object(
  {
    rows: Type.Integer({ minimum: 1, maximum: 1000 }),
    cols: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);
export type TerminalSize = Static<typeof TerminalSize>;

const PathList = Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 1024 });

export const Grants = Type.Object(
  {
    allow: Type.Optional(PathList),
    read: Type.Optional(PathList),
    write: Type.Optional(PathList),
    allowFile: Type.Optional(PathList),
    readFile: Type.Optional(PathList),
    writeFile: Type.Optional(PathList),
    unixSocket: Type.Optional(PathList),
    allowNoDelete: Type.Optional(PathList),
  },
  { additionalProperties: false },
);
export type Grants = Static<typeof Grants>;

export const Access = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('readwrite')]);
export type Access = Static<typeof Access>;

export const PlanRule = Type.Object({
  path: Type.String(),
  access: Access,
  kind: Type.Union([Type.Literal('dir'), Type.Literal('file'), Type.Literal('device'), Type.Literal('socket'), Type.Literal('skeleton')], {
    description: 'skeleton: a directory the view rebuilds from its other rules, read-only, to leave protected entries out',
  }),
  source: Type.String({ description: 'What asked for this grant: a flag, or "baseline: <group>".' }),
  noDelete: Type.Optional(Type.Boolean({ description: 'Write without delete or truncate: Landlock withholds remove_file, remove_dir and truncate' })),
  create: Type.Optional(Type.Boolean({ description: 'Missing now: the session creates it (directory 0700, file 0600) before the sandbox starts, and it stays for the next run' })),
  rights: Type.Optional(Type.Array(Type.String(), { description: 'The Landlock rights the helper applies on this path (the spec\'s names); absent in plans stored before they were listed' })),
  own: Type.Optional(Type.Boolean({ description: "The sandbox's own (its /dev/pts, /dev/shm, private /tmp): made by the helper in the view, not bound from the host" })),
});
export type PlanRule = Static<typeof PlanRule>;

export const NetworkMode = Type.Union([Type.Literal('allow'), Type.Literal('block'), Type.Literal('proxied')], {
  description: 'allow: no network rules; block: nothing gets out; proxied: only through the session\'s filtering proxy',
});
export type NetworkMode = Static<typeof NetworkMode>;

export const HostPolicy = Type.Object({
  networkProfile: Type.Union([Type.String(), Type.Null()]),
  allow: Type.Array(Type.String()),
  deny: Type.Array(Type.String()),
  credentials: Type.Array(Type.String()),
  endpointRules: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Per credential route: allow/deny METHOD /path/** rules' }),
  endpoints: Type.Optional(Type.Array(Type.String(), { description: 'network.allow_endpoints: host:port/path-glob; a host named here is reached on these paths only' })),
  customRoutes: Type.Record(
    Type.String(),
    Type.Object({ upstream: Type.String(), header: Type.String(), format: Type.String(), keyVariable: Type.String(), baseUrlVariable: Type.Union([Type.String(), Type.Null()]), source: Type.Union([Type.String(), Type.Null()]) }),
    { description: 'Credential routes the profile defines (network.custom_credentials)' },
  ),
  enforced: Type.Boolean({ description: 'true when the filtering proxy applies the host lists (proxied mode)' }),
});
export type HostPolicy = Static<typeof HostPolicy>;

export const ResourceLimits = Type.Object(
  {
    memoryBytes: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Address-space limit of each process (RLIMIT_AS)' }),
    maxProcesses: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Processes and threads the session may have at once' }),
  },
  { additionalProperties: false },
);
export type ResourceLimits = Static<typeof ResourceLimits>;

export const QuarantineFinding = Type.Object({
  kind: Type.Union([Type.Literal('host-exec'), Type.Literal('git'), Type.Literal('setid')]),
  path: Type.String(),
  movedTo: Type.Optional(Type.String({ description: 'Where it was moved (renamed in place, never deleted); absent for set-id files, whose bits were stripped' })),
  reason: Type.String(),
});
export type QuarantineFinding = Static<typeof QuarantineFinding>;
const CommandRule = Type.Object({ pattern: Type.String(), source: Type.String() });

export const SandboxPlan = Type.Object({
  profile: Type.String(),
  profileChain: Type.Array(Type.String()),
  groups: Type.Array(Type.String()),
  workdir: Type.String(),
  hosts: HostPolicy,
  interactive: Type.Boolean(),
  rules: Type.Array(PlanRule),
  denied: Type.Array(Type.Object({ path: Type.String(), source: Type.String() }), {
    description: 'Paths the policy keeps out; no grant may cover them.',
  }),
  isolation: Type.Object(
    {
      mode: Type.Union([Type.Literal('view'), Type.Literal('landlock')], {
        description: 'view: a private mount, user and pid namespace holds only the grants, with Landlock on top; landlock: Landlock alone',
      }),
      reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the view is unavailable, in landlock mode' }),
      missing: Type.Array(Type.String(), { description: 'What Landlock alone does not protect, in landlock mode' }),
    },
  ),
  masks: Type.Array(Type.Object({ path: Type.String(), source: Type.String() }), {
    description: 'Existing protected paths inside directories bound from the host, covered in the view (empty read-only dir or file): exactly the masks the helper applies',
  }),
  leftOut: Type.Optional(
    Type.Array(Type.Object({ path: Type.String(), source: Type.String() }), {
      description: 'Existing protected paths inside grants that the view leaves out (their directory is rebuilt without them), so there is nothing to mask',
    }),
  ),
  ownMounts: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String(),
        type: Type.Union([Type.Literal('tmpfs'), Type.Literal('devpts'), Type.Literal('bind'), Type.Literal('symlink')]),
        from: Type.Union([Type.String(), Type.Null()], { description: 'The host directory of a bind, the target of a symlink' }),
        source: Type.String(),
      }),
      { description: "What the helper makes in the view on its own: the sandbox's /dev, /dev/pts, /dev/shm and private /tmp" },
    ),
  ),
  trust: Type.Optional(
    Type.Union([
      Type.Object({
        enforcement: Type.String(),
        overridden: Type.Boolean({ description: 'A deny verdict run anyway (--trust-override)' }),
        files: Type.Array(Type.Object({ path: Type.String(), status: Type.String() })),
      }),
      Type.Null(),
    ], { description: "The trust gate's verdict on the workdir's instruction files; null when no trust policy is in force" }),
  ),
  blockedCommands: Type.Array(Type.Object({ name: Type.String(), path: Type.String(), source: Type.String() }), {
    description: 'Executables covered in the view by a stub that refuses to run (command blocking)',
  }),
  commandRules: Type.Object(
    {
      everywhere: Type.Array(CommandRule, { description: 'Names no process of the sandbox may run (stubs in the view)' }),
      launch: Type.Array(CommandRule, { description: 'Names refused as the command nono launches; processes inside may run them' }),
      allow: Type.Array(CommandRule, { description: 'Names lifted from both (--allow-command, commands.allow)' }),
    },
    { description: 'Command blocking as decided, before it is matched against files' },
  ),
  launch: Type.Union(
    [
      Type.Object({
        command: Type.String({ description: 'argv[0] as given' }),
        file: Type.String({ description: 'The file the command runs, found on the PATH the client sent, symlinks resolved' }),
        granted: Type.Array(Type.String(), { description: 'Paths granted read+execute because the command, its install or its interpreter lay outside the grants' }),
        note: Type.Union([Type.String(), Type.Null()], { description: 'One line saying what was granted, when anything was' }),
      }),
      Type.Null(),
    ],
    { description: 'The launched command, when the plan is for one (session.run)' },
  ),
  preRun: Type.Optional(
    Type.Array(Type.Object({ path: Type.String(), pack: Type.String({ description: 'ns/name@version' }) }), {
      description: "The pre-run hooks of the run's packs, in order: each runs in this sandbox with argv [hook, ...command] before the command, and one exiting non-zero refuses the run",
    }),
  ),
  skills: Type.Optional(
    Type.Array(
      Type.Object({
        pack: Type.String({ description: 'ns/name@version' }),
        install: Type.String({ description: 'AGENT:NAME, as the pack asked' }),
        from: Type.String({ description: "The skill's file in the installed pack" }),
        path: Type.String({ description: 'Where the launch places a copy (read-only, mode 0444) and the sandbox reads it; a read rule and, inside a writable grant, a read-only bind in the view' }),
      }),
      { description: "The skills of the run's packs, placed at their agents' skill directories" },
    ),
  ),
  readonly: Type.Array(
    Type.Object({
      path: Type.String(),
      source: Type.String(),
      create: Type.Optional(Type.Boolean({ description: 'Missing at start: made empty on the host first, so the sandbox cannot create it' })),
    }),
    { description: 'Paths inside writable grants that run code on the host later (host-exec names, git control files), write-protected in the view' },
  ),
  pins: Type.Array(Type.Object({ path: Type.String(), source: Type.String() }), {
    description: 'Directories between a writable grant and a read-only path, mount points in the view so they cannot be renamed, replaced or removed',
  }),
  limits: ResourceLimits,
  privateTmp: Type.Union([Type.String(), Type.Null()], {
    description: "The session's own temporary directory on the host, mounted at /tmp in the view (the launch creates it; a dry run names the one a run would make); null when /tmp is shared or on Landlock alone, where it is a rule",
  }),
  symlinks: Type.Array(Type.Object({ path: Type.String(), target: Type.String() }), {
    description: 'Symlinks along granted paths, recreated in the view (e.g. /bin -> usr/bin)',
  }),
  network: NetworkMode,
  scopes: Type.Array(Type.String()),
  cwd: Type.String(),
  env: Type.Object({
    passed: Type.Array(Type.String()),
    dropped: Type.Array(Type.String()),
    withheld: Type.Array(Type.String(), {
      description: 'Variables kept out because they look like secrets (names only); environment.allow_vars or --allow-env passes one',
    }),
    credentialSources: Type.Array(Type.Object({ variable: Type.String(), route: Type.String() }), {
      description: "Withheld variables whose value is a credential route's real key this run: the sandbox gets a phantom",
    }),
  }),
  approvals: Type.Optional(
    Type.Object(
      {
        network: Type.Boolean({ description: 'A host no rule allows (and none refuses) is held by the proxy while the user is asked' }),
        files: Type.Boolean({ description: 'An open outside the grants is sent to the daemon by the helper and asked (needs SECCOMP_IOCTL_NOTIF_ADDFD)' }),
      },
      { description: 'What is asked instead of only denied (security.approvals, nono run --ask); see docs/approvals.md' },
    ),
  ),
  notes: Type.Array(Type.String()),
});
export type SandboxPlan = Static<typeof SandboxPlan>;

export const SessionState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('exited'),
  Type.Literal('failed'),
  Type.Literal('lost'),
]);
export type SessionState = Static<typeof SessionState>;

export const SessionSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: SessionState,
  argv: Type.Array(Type.String()),
  cwd: Type.String(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  startedAt: Type.String({ description: 'ISO 8601' }),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  clients: Type.Integer({ description: 'Clients attached now (writers and read-only)' }),
  profile: Type.Union([Type.String(), Type.Null()]),
  limits: Type.Union([ResourceLimits, Type.Null()]),
  usage: Type.Union(
    [
      Type.Object({
        processes: Type.Integer(),
        cpuMs: Type.Number({ description: 'CPU time of the whole process tree so far' }),
        rssBytes: Type.Integer({ description: 'Resident memory of the whole process tree' }),
      }),
      Type.Null(),
    ],
    { description: 'For running sessions of this daemon' },
  ),
  denials: Type.Integer({ description: 'File denials recorded for the session (fs.deny events in the audit log)' }),
});
export type SessionSummary = Static<typeof SessionSummary>;

export const OutputStream = Type.Union([Type.Literal('pty'), Type.Literal('stdout'), Type.Literal('stderr')]);
export type OutputStream = Static<typeof OutputStream>;

export const SignalName = Type.Union(
  ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGSTOP', 'SIGTSTP'].map(
    (name) => Type.Literal(name),
  ),
);

export const ApprovalAnswer = Type.Union([Type.Literal('allow-once'), Type.Literal('allow-session'), Type.Literal('always'), Type.Literal('deny')]);
export type ApprovalAnswer = Static<typeof ApprovalAnswer>;

/** How a request ended: someone answered it, nobody needed the answer any more, or nobody answered in time. */
export const ApprovalOutcome = Type.Union([Type.Literal('answered'), Type.Literal('withdrawn'), Type.Literal('timeout')], {
  description: 'answered (by someone, the policy, the rate limit or nobody), withdrawn (the asking process exited or the session ended), timeout',
});
export type ApprovalOutcome = Static<typeof ApprovalOutcome>;

/** One question the daemon is holding (or held): what a sandboxed program tried, and for which session. */
export const ApprovalRequestView = Type.Object({
  id: Type.String(),
  session: Type.String(),
  sessionName: Type.String(),
  kind: Type.Union([Type.Literal('network'), Type.Literal('file')]),
  subject: Type.String({ description: 'host:port for network, the absolute path for file' }),
  host: Type.Optional(Type.String()),
  port: Type.Optional(Type.Integer()),
  method: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  access: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write')])),
  pid: Type.Optional(Type.Integer()),
  command: Type.Optional(Type.String()),
  requestedAt: Type.String({ description: 'ISO 8601' }),
  expiresAt: Type.String({ description: 'ISO 8601: unanswered by then, it is denied' }),
  answer: Type.Union([ApprovalAnswer, Type.Null()], { description: 'null while pending' }),
  by: Type.Union([Type.String(), Type.Null()], { description: 'Who answered: terminal, editor, cli, webhook, policy, timeout, rate-limit, nobody, withdrawn, session ended' }),
  outcome: Type.Optional(ApprovalOutcome),
  readOnly: Type.Optional(Type.Boolean({ description: 'A file asked for writing was allowed for reading only' })),
});
export type ApprovalRequestView = Static<typeof ApprovalRequestView>;
