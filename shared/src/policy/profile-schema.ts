// The profile format (upstream nono's JSON, comments allowed) as one JSON Schema: the daemon
// validates every profile file with it, `nono profile schema` prints it, and editors can use
// it for completion. Unknown keys are errors, so a typo never silently grants nothing.
import { Type, type Static } from '@sinclair/typebox';

const PathList = Type.Array(Type.String({ minLength: 1 }), { description: 'Absolute, ~/, or $HOME/$WORKDIR/$TMPDIR/$XDG_* paths' });
const NameList = Type.Array(Type.String({ minLength: 1 }));
const strict = { additionalProperties: false } as const;

/** The path lists a profile's filesystem section and a security group both have. */
const GRANT_LISTS = {
  allow: Type.Optional(PathList),
  read: Type.Optional(PathList),
  write: Type.Optional(PathList),
  allow_file: Type.Optional(PathList),
  read_file: Type.Optional(PathList),
  write_file: Type.Optional(PathList),
  deny: Type.Optional(PathList),
  no_delete: Type.Optional(PathList),
};

/** A command name or a glob over names (mkfs*); never a path, so it means the same on every PATH. */
export const CommandName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._+*?-]+$' });

export const WorkdirAccess = Type.Union(
  [Type.Literal('none'), Type.Literal('read'), Type.Literal('write'), Type.Literal('readwrite'), Type.Literal('readwrite-nodelete')],
  { description: 'What the sandbox gets of the working directory (readwrite-nodelete: write and create, never delete or truncate)' },
);
export type WorkdirAccess = Static<typeof WorkdirAccess>;

export const ProfileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    extends: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
        description: 'Profiles merged first, left to right; this profile applies on top',
      }),
    ),
    meta: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          version: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          author: Type.Optional(Type.String()),
          signature: Type.Optional(Type.String()),
        },
        strict,
      ),
    ),
    groups: Type.Optional(
      Type.Object({ include: Type.Optional(NameList), exclude: Type.Optional(NameList) }, { ...strict, description: 'Security groups (nono policy groups)' }),
    ),
    security: Type.Optional(
      Type.Object(
        {
          groups: Type.Optional(NameList),
          trust_groups: Type.Optional(NameList),
          approvals: Type.Optional(
            Type.Boolean({ description: 'Ask (terminal, editor, nono approve, webhook) instead of only denying a host no rule allows, and a file outside the grants where the helper can; off by default' }),
          ),
        },
        { ...strict, description: 'Older form of groups.include; approvals' },
      ),
    ),
    filesystem: Type.Optional(
      Type.Object(
        {
          ...GRANT_LISTS,
          unix_socket: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: 'Host unix sockets the sandbox may connect to (e.g. /run/docker.sock); all others are hidden',
            }),
          ),
          state: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: "The agent's own state directories: granted read-write, and created (mode 0700) before the sandbox starts when missing",
            }),
          ),
          state_file: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: "The agent's own state files: granted read-write, and created (mode 0600) before the sandbox starts when missing: empty, or holding {} when the name ends in .json, as agents parse it",
            }),
          ),
          allow_host_exec_paths: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description: 'Names from the host-exec list (".vscode", ".git/hooks", ...) the sandbox may write inside its grants',
            }),
          ),
        },
        strict,
      ),
    ),
    network: Type.Optional(
      Type.Object(
        {
          block: Type.Optional(Type.Boolean()),
          network_profile: Type.Optional(Type.String({ minLength: 1 })),
          allow_domain: Type.Optional(NameList),
          deny_domain: Type.Optional(NameList),
          credentials: Type.Optional(NameList),
          custom_credentials: Type.Optional(
            Type.Record(
              Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' }),
              Type.Object(
                {
                  upstream: Type.String({ pattern: '^https://', description: 'The real service, https:// only' }),
                  header: Type.String({ minLength: 1, description: 'The header carrying the key, e.g. authorization' }),
                  format: Type.Optional(Type.String({ pattern: '\\{key\\}', description: 'How the key is written, e.g. "Bearer {key}" (default "{key}")' })),
                  key_env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The variable the sandbox reads the (phantom) key from' }),
                  base_url_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The variable the sandbox reads the base URL from' })),
                  source: Type.Optional(Type.String({ description: 'vault://NAME, env://VAR, file://PATH, cmd://COMMAND, op://VAULT/ITEM/FIELD or bw://ITEM (default: the keychain entry of the route name)' })),
                },
                { additionalProperties: false },
              ),
              { description: 'Credential routes of your own, used like the built-in ones with network.credentials or --credential' },
            ),
          ),
          allow_endpoints: Type.Optional(
            Type.Array(Type.String({ pattern: '^[A-Za-z0-9*][A-Za-z0-9.*-]*(:[0-9]{1,5})?/\\S*$' }), {
              description:
                'host[:port]/path-glob (port 443 when left out): the host is allowed for these paths only, any method. Checked on plain HTTP and on intercepted TLS (credential-route hosts); a TLS host nono only tunnels is refused',
            }),
          ),
          endpoint_rules: Type.Optional(
            Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ pattern: '^(allow|deny) [A-Z*]+ /.*$' })), {
              description: 'Per credential route, rules like "deny DELETE /**" or "allow GET /v1/**", first match wins; with allow rules, anything unmatched is denied',
            }),
          ),
        },
        strict,
      ),
    ),
    environment: Type.Optional(
      Type.Object(
        {
          allow_vars: Type.Optional(NameList),
          deny_vars: Type.Optional(NameList),
          set_vars: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String())),
        },
        strict,
      ),
    ),
    workdir: Type.Optional(Type.Object({ access: Type.Optional(WorkdirAccess) }, strict)),
    commands: Type.Optional(
      Type.Object(
        {
          allow: Type.Optional(Type.Array(CommandName, { description: 'Commands a blocking group blocks that this profile lets run' })),
          deny: Type.Optional(Type.Array(CommandName, { description: 'More commands to block (names or globs such as mkfs*)' })),
        },
        strict,
      ),
    ),
    policy: Type.Optional(
      Type.Object(
        {
          exclude_groups: Type.Optional(NameList),
          add_deny_access: Type.Optional(PathList),
          override_deny: Type.Optional(PathList),
        },
        strict,
      ),
    ),
    rollback: Type.Optional(
      Type.Union([
        Type.Boolean({ description: 'Snapshot every run (as --snapshot) so session diff/rollback work' }),
        Type.Object(
          {
            enabled: Type.Optional(Type.Boolean({ description: 'Snapshot every run (as --snapshot)' })),
            exclude_patterns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { description: 'Names left out of snapshots at any depth, and never touched by a rollback' })),
            exclude_globs: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { description: 'Tree-relative globs left out of snapshots' })),
          },
          { additionalProperties: true },
        ),
      ]),
    ),
    allow_gpu: Type.Optional(Type.Boolean()),
    allow_launch_services: Type.Optional(Type.Boolean()),
    interactive: Type.Optional(Type.Boolean()),
    require_full_isolation: Type.Optional(
      Type.Boolean({ description: 'Refuse to start when the private filesystem view is unavailable (no user namespaces)' }),
    ),
  },
  { ...strict, $id: 'https://nono.dev/schemas/profile.json', title: 'nono profile' },
);
export type Profile = Static<typeof ProfileSchema>;

export const GroupSchema = Type.Object(
  {
    description: Type.String(),
    platform: Type.Union([Type.Literal('linux'), Type.Literal('macos'), Type.Literal('all')]),
    required: Type.Optional(Type.Boolean()),
    block_commands: Type.Optional(Type.Array(CommandName, { description: 'Covered in the view by a stub: no process of the sandbox can run them' })),
    block_launch: Type.Optional(Type.Array(CommandName, { description: 'Refused as the command nono launches; processes inside may run them' })),
    protect_deletes: Type.Optional(Type.Boolean({ description: 'Every writable grant (but the sandbox temp dirs) writes without delete or truncate' })),
    ...GRANT_LISTS,
  },
  strict,
);
export type Group = Static<typeof GroupSchema>;
