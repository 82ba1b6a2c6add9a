// TOML and YAML profiles, shorthand included, resolve to exactly the plan of the JSON profile
// they mirror, extend JSON profiles and are extended by them, and fail like JSON ones: one line
// naming the file, the line and the key, and nothing runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { expectRunRefused } from '../support/refused-run.js';

const ctx = usePrivateDaemon();
let profilesDir: string;
let elsewhere: string;

function save(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const AGENT_JSON = `{
  // the reference profile, in nono's own keys
  "extends": "base",
  "filesystem": { "read": ["~/reference", "/usr/share/doc"], "write": ["$WORKDIR/out"] },
  "network": {
    "allow_domain": ["api.openai.com", "pypi.org"],
    "deny_domain": ["169.254.169.254", "metadata.google.internal"],
    "credentials": ["openai=env://OPENAI_API_KEY"]
  },
  "environment": { "set_vars": { "AGENT": "1" } }
}`;

const AGENT_TOML = `# the same profile in TOML, with the shorthand other write-ups use
extends = "base"

[filesystem]
read = ["~/reference"]
execute = ["/usr/share/doc"]
write = ["$WORKDIR/out"]

[network]
allow_hosts = ["api.openai.com", "pypi.org"]
deny_cloud_metadata = true

[credentials]
openai = "env://OPENAI_API_KEY"

[audit]
enabled = true

[environment.set_vars]
AGENT = "1"
`;

const AGENT_YAML = `# the same profile in YAML
extends: base
filesystem:
  read: [~/reference]
  execute:
    - /usr/share/doc
  write: [$WORKDIR/out]
network:
  allow_hosts:
    - api.openai.com
    - pypi.org
  deny_cloud_metadata: true
credentials:
  openai:
    source: env://OPENAI_API_KEY
audit:
  enabled: true
environment:
  set_vars: { AGENT: "1" }
`;

beforeAll(() => {
  profilesDir = join(ctx.world.root, 'config', 'nono', 'profiles');
  elsewhere = join(ctx.world.root, 'profiles');
  mkdirSync(join(ctx.world.home, 'reference'), { recursive: true });
  mkdirSync(join(ctx.world.work, 'out'), { recursive: true });
  save(profilesDir, 'base.json', '{ "extends": "default", "groups": { "include": ["git_config"] }, "workdir": { "access": "readwrite" } }');
  // The same base in TOML, for a JSON profile to extend.
  save(profilesDir, 'tbase.toml', 'extends = "default"\nworkdir = { access = "readwrite" }\n\n[groups]\ninclude = ["git_config"]\n');
  save(join(elsewhere, 'json'), 'agent.json', AGENT_JSON);
  save(join(elsewhere, 'toml'), 'agent.toml', AGENT_TOML);
  save(join(elsewhere, 'yaml'), 'agent.yaml', AGENT_YAML);
  save(join(elsewhere, 'yml'), 'agent.yml', AGENT_YAML);
});

const run = (args: string[]) => runCli(args, ctx.world);

async function show(profile: string, mode: '--json' | '--raw'): Promise<unknown> {
  const r = await run(['policy', 'show', profile, mode]);
  expect(r.stderr, profile).toBe('');
  expect(r.code, profile).toBe(0);
  return JSON.parse(r.stdout);
}

describe('TOML and YAML profiles', () => {
  it('resolve to the same plan and merged profile as the JSON one', async () => {
    const reference = await show(join(elsewhere, 'json', 'agent.json'), '--json');
    expect(reference).toMatchObject({
      profile: 'agent',
      profileChain: ['default', 'base', 'agent'],
      hosts: { allow: ['api.openai.com', 'pypi.org'], deny: ['169.254.169.254', 'metadata.google.internal'], credentials: ['openai=env://OPENAI_API_KEY'] },
    });
    // execute = [...] became a read grant: Landlock's execute right comes with read.
    expect((reference as { rules: { path: string; access: string }[] }).rules).toContainEqual(expect.objectContaining({ path: '/usr/share/doc', access: 'read' }));
    for (const format of ['toml', 'yaml', 'yml']) {
      const file = join(elsewhere, format, `agent.${format}`);
      expect(await show(file, '--json'), file).toEqual(reference);
      expect(await show(file, '--raw'), file).toEqual(await show(join(elsewhere, 'json', 'agent.json'), '--raw'));
    }
  });

  it('extend a JSON profile, and a JSON profile extends a TOML one', async () => {
    const jsonOnToml = save(join(elsewhere, 'on-toml'), 'agent.json', AGENT_JSON.replace('"extends": "base"', '"extends": "tbase"'));
    const plan = (await show(jsonOnToml, '--json')) as { profileChain: string[] };
    const reference = (await show(join(elsewhere, 'json', 'agent.json'), '--json')) as { profileChain: string[] };
    expect(plan.profileChain).toEqual(['default', 'tbase', 'agent']);
    expect({ ...plan, profileChain: [] }).toEqual({ ...reference, profileChain: [] });
  });

  it('are found by name in the user profile dir and run', async () => {
    save(profilesDir, 'yaml-agent.yaml', 'extends: tbase\nenvironment:\n  set_vars: { FROM_YAML: "yes" }\n');
    const r = await run(['run', '-p', 'yaml-agent', '--', 'sh', '-c', 'echo "$FROM_YAML"; cat file.txt']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('yes\nhello from the workdir\n');
  });

  it('validate with nono profile validate', async () => {
    for (const format of ['toml', 'yaml']) {
      const file = join(elsewhere, format, `agent.${format}`);
      const r = await run(['profile', 'validate', file]);
      expect(r.code, file).toBe(0);
      expect(r.stdout).toContain(file);
    }
  });

  it('refuse a name with two files, naming both', async () => {
    save(profilesDir, 'twice.json', '{}');
    save(profilesDir, 'twice.toml', '');
    const r = await run(['policy', 'show', 'twice']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`profile twice is defined twice, in ${join(profilesDir, 'twice.json')} and ${join(profilesDir, 'twice.toml')}`);
  });
});

describe('bad TOML and YAML profiles', () => {
  const cases: [string, string, string, RegExp][] = [
    ['toml-syntax', 'toml', 'extends = "default"\n\n[network\nallow_domain = []\n', /toml-syntax\.toml:3:9: illegal character in key in the profile; fix the TOML syntax there/],
    ['yaml-syntax', 'yaml', 'extends: default\nnetwork: allow_domain: [a]\n', /yaml-syntax\.yaml:2:10: Nested mappings are not allowed in compact mappings in the profile; fix the YAML syntax there/],
    ['toml-key', 'toml', 'extends = "default"\n\n[network]\nallow_hosts = ["a.example"]\nallow_domian = ["b.example"]\n', /toml-key\.toml:5: network\.allow_domian: unknown key "allow_domian"/],
    ['yaml-key', 'yml', 'extends: default\nfilesystem:\n  read: [/usr]\n  raed: [/opt]\n', /yaml-key\.yml:4: filesystem\.raed: unknown key "raed"/],
    ['toml-metadata', 'toml', '[network]\ndeny_cloud_metadata = false\n', /toml-metadata\.toml:2: network\.deny_cloud_metadata: cannot be false/],
    ['toml-keystore', 'toml', '[credentials]\nproxy_mode = true\nkeystore = "1password"\nanthropic = true\n', /toml-keystore\.toml:4: credentials\.anthropic: keystore = "1password" needs the item/],
    ['toml-proxy-mode', 'toml', '[credentials]\nproxy_mode = false\n', /toml-proxy-mode\.toml:2: credentials\.proxy_mode: not supported: false/],
    ['toml-audit', 'toml', 'extends = "default"\n\n[audit]\nintegrity_hash = true\nlevel = "minimal"\n', /toml-audit\.toml:5: audit\.level: not supported: "minimal"/],
    ['yaml-evidence', 'yaml', 'audit:\n  evidence_fs: true\n', /yaml-evidence\.yaml:2: audit\.evidence_fs: not supported: nono keeps no separate evidence filesystem/],
  ];

  it.each(cases)('%s: validate and show exit 1 with one line naming the file and line; run runs nothing', async (name, ext, text, message) => {
    const file = save(profilesDir, `${name}.${ext}`, text);
    for (const args of [['profile', 'validate', file], ['policy', 'show', name]]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(profilesDir);
    }
    await expectRunRefused(ctx.world, name, message);
  });
});
