// TOML and YAML profiles read into the same document as JSON (shorthand mapped), fail with one
// line naming file, line and key, extend each other across formats, and a name with two files
// is refused rather than guessed.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import { assertValidProfileDocument, profileDocumentProblems, readProfileDocument } from '../../src/policy/profile-formats.js';
import { CLOUD_METADATA_HOSTS, expandShorthand } from '../../src/policy/profile-shorthand.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function save(name: string, text: string, dir?: string): string {
  const into = dir ?? mkdtempSync(join(tmpdir(), 'nono-formats-'));
  if (!dir) dirs.push(into);
  const file = join(into, name);
  writeFileSync(file, text);
  return file;
}
function thrown(fn: () => unknown): NonoError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NonoError);
    return error as NonoError;
  }
  throw new Error('expected a NonoError');
}

const JSON_PROFILE = {
  extends: 'default',
  filesystem: { read: ['/usr/share', '/opt/tools'], write: ['$WORKDIR/out'] },
  network: { allow_domain: ['api.openai.com'], deny_domain: CLOUD_METADATA_HOSTS, credentials: ['openai=cmd://printf secret'] },
  workdir: { access: 'readwrite' },
};

const TOML_PROFILE = `extends = "default"

[filesystem]
read = ["/usr/share"]
execute = ["/opt/tools"]   # execute comes with read
write = ["$WORKDIR/out"]

[network]
allow_hosts = ["api.openai.com"]
deny_cloud_metadata = true

[credentials]
openai = "cmd://printf secret"

[audit]
enabled = true

[workdir]
access = "readwrite"
`;

const YAML_PROFILE = `extends: default
filesystem:
  read: [/usr/share]
  execute:
    - /opt/tools
  write: [$WORKDIR/out]
network:
  allow_hosts: [api.openai.com]
  deny_cloud_metadata: true
credentials:
  openai:
    source: cmd://printf secret
audit: { log: all }
workdir:
  access: readwrite
`;

describe('reading TOML and YAML profiles', () => {
  it('gives the same document as the JSON profile, shorthand mapped', () => {
    for (const file of [save('p.toml', TOML_PROFILE), save('p.yaml', YAML_PROFILE), save('p.yml', YAML_PROFILE)]) {
      const document = readProfileDocument(file);
      expect(document.value, file).toEqual(JSON_PROFILE);
      expect(profileDocumentProblems(document), file).toEqual([]);
    }
    expect(readProfileDocument(save('p.json', JSON.stringify(JSON_PROFILE))).value).toEqual(JSON_PROFILE);
  });

  it('reports a TOML syntax error in one line with file, line and column', () => {
    const file = save('bad.toml', 'extends = "default"\n[network\nallow_domain = []\n');
    const error = thrown(() => readProfileDocument(file));
    expect(error.kind).toBe('PROFILE_INVALID');
    expect(error.message).toBe(`${file}:2:9: illegal character in key in the profile; fix the TOML syntax there`);
  });

  it('reports a YAML syntax error in one line with file, line and column', () => {
    const file = save('bad.yaml', 'extends: default\nnetwork: allow_domain: [a]\n');
    expect(thrown(() => readProfileDocument(file)).message).toBe(`${file}:2:10: Nested mappings are not allowed in compact mappings in the profile; fix the YAML syntax there`);
    const alias = save('alias.yaml', 'extends: *base\n');
    expect(thrown(() => readProfileDocument(alias)).message).toBe(`${alias}: Unresolved alias (the anchor must be set before the alias): base in the profile; fix the YAML there`);
  });

  it('refuses a YAML file that is not a mapping', () => {
    expect(thrown(() => readProfileDocument(save('list.yaml', '- a\n- b\n'))).message).toMatch(/list\.yaml: the profile must be a YAML mapping/);
  });

  it('names file, line and key for an unknown key, in either format', () => {
    const toml = save('typo.toml', 'extends = "default"\n\n[network]\nallow_hosts = ["a.example"]\nallow_domian = ["b.example"]\n');
    expect(thrown(() => assertValidProfileDocument(readProfileDocument(toml))).message).toBe(
      `${toml}:5: network.allow_domian: unknown key "allow_domian"; remove it or check its spelling (nono profile schema lists the keys)`,
    );
    const yaml = save('typo.yaml', 'extends: default\nfilesystem:\n  read: [/usr]\n  raed: [/opt]\n');
    const error = thrown(() => assertValidProfileDocument(readProfileDocument(yaml)));
    expect(error.message).toBe(`${yaml}:4: filesystem.raed: unknown key "raed"; remove it or check its spelling (nono profile schema lists the keys)`);
    expect(error.details).toEqual({ file: yaml, key: 'filesystem.raed' });
  });

  it('points a wrong type inside a list at its line in YAML', () => {
    const yaml = save('type.yaml', 'filesystem:\n  read:\n    - /usr\n    - 42\n');
    expect(profileDocumentProblems(readProfileDocument(yaml))[0]!.message).toBe(`${yaml}:4: filesystem.read.1: must be string`);
  });

  it('keeps JSON messages as they were: file and key, no line', () => {
    const json = save('typo.json', '{ "filesystem": { "raed": [] } }');
    expect(thrown(() => assertValidProfileDocument(readProfileDocument(json))).message).toBe(
      `${json}: filesystem.raed: unknown key "raed"; remove it or check its spelling (nono profile schema lists the keys)`,
    );
  });

  it('does not apply the shorthand to JSON: its keys stay unknown there', () => {
    const json = save('short.json', '{ "network": { "allow_hosts": ["a"] } }');
    expect(profileDocumentProblems(readProfileDocument(json))[0]!.key).toBe('network.allow_hosts');
  });
});

describe('expandShorthand', () => {
  it('appends to lists already there, without duplicates', () => {
    const { profile, problems } = expandShorthand({
      filesystem: { read: ['/a'], execute: ['/a', '/b'] },
      network: { allow_domain: ['x'], allow_hosts: ['x', 'y'], credentials: ['github'] },
      credentials: { openai: true, anthropic: 'env://KEY' },
    });
    expect(problems).toEqual([]);
    expect(profile).toEqual({ filesystem: { read: ['/a', '/b'] }, network: { allow_domain: ['x', 'y'], credentials: ['github', 'openai', 'anthropic=env://KEY'] } });
  });

  it('names the shorthand key as written when its value is wrong', () => {
    const { problems } = expandShorthand({
      filesystem: { execute: '/bin' },
      network: { allow_hosts: [1], deny_cloud_metadata: false },
      credentials: { OpenAI: 'env://X', github: 3 },
    });
    expect(problems.map((p) => p.key)).toEqual(['filesystem.execute', 'network.allow_hosts', 'network.deny_cloud_metadata', 'credentials.OpenAI', 'credentials.github']);
    expect(problems[2]!.message).toMatch(/cannot be false: nono's proxy never lets a sandbox reach cloud metadata addresses/);
  });

  it('accepts credentials as a list of names, and leaves the input untouched', () => {
    const input = { credentials: ['openai'], audit: { enabled: false } };
    expect(expandShorthand(input).profile).toEqual({ network: { credentials: ['openai'] } });
    expect(input).toEqual({ credentials: ['openai'], audit: { enabled: false } });
  });

  it('reads [credentials] proxy_mode and keystore as settings, not routes: keystore is the source of routes given as true', () => {
    const keychain = expandShorthand({ credentials: { proxy_mode: true, keystore: 'keychain', openai: true, github: 'env://GH' } });
    expect(keychain.problems).toEqual([]);
    expect(keychain.profile).toEqual({ network: { credentials: ['openai=vault://openai', 'github=env://GH'] } });
    expect(expandShorthand({ credentials: { keystore: 'bitwarden', anthropic: true } }).profile).toEqual({ network: { credentials: ['anthropic=bw://anthropic'] } });
    expect(expandShorthand({ credentials: { proxy_mode: true, keystore: '1password', anthropic: 'op://Private/Anthropic/credential' } })).toEqual({
      profile: { network: { credentials: ['anthropic=op://Private/Anthropic/credential'] } },
      problems: [],
    });
  });

  it('says what is not supported under [credentials] and [audit], each under the key as written', () => {
    const { problems } = expandShorthand({
      credentials: { proxy_mode: false, keystore: 'lastpass', anthropic: true },
      audit: { level: 'minimal', integrity_hash: 'blake3', evidence_fs: true, enabled: false, rotate: 3 },
    });
    expect(problems.map((p) => p.key)).toEqual(['credentials.proxy_mode', 'credentials.keystore', 'audit.level', 'audit.integrity_hash', 'audit.evidence_fs', 'audit.enabled', 'audit.rotate']);
    expect(problems.every((p) => p.message.startsWith('not supported: '))).toBe(true);
    const op = expandShorthand({ credentials: { keystore: '1password', anthropic: true } });
    expect(op.problems).toEqual([{ key: 'credentials.anthropic', message: 'keystore = "1password" needs the item: give the reference, e.g. anthropic = "op://VAULT/ITEM/FIELD"' }]);
  });

  it('accepts [audit] keys that ask for what the audit log always does', () => {
    const { profile, problems } = expandShorthand({ audit: { enabled: true, level: 'full', integrity_hash: 'sha256', evidence_fs: false } });
    expect(problems).toEqual([]);
    expect(profile).toEqual({});
  });
});

describe('ProfileLoader across formats', () => {
  function setup(): { loader: ProfileLoader; user: string; builtin: string } {
    const root = mkdtempSync(join(tmpdir(), 'nono-loader-'));
    dirs.push(root);
    const user = join(root, 'user');
    const builtin = join(root, 'builtin');
    mkdirSync(user);
    mkdirSync(builtin);
    save('default.json', '{ "filesystem": { "read": ["/usr"] } }', builtin);
    return { loader: new ProfileLoader(user, builtin), user, builtin };
  }

  it('follows extends from TOML to JSON to YAML and back, by name and by path', () => {
    const { loader, user } = setup();
    save('base.json', '{ "extends": "default", "filesystem": { "read": ["/etc"] } }', user);
    save('mid.yaml', 'extends: base\nnetwork:\n  allow_hosts: [a.example]\n', user);
    const top = save('top.toml', `extends = "${join(user, 'mid.yaml')}"\n[filesystem]\nexecute = ["/opt"]\n`, user);
    save('json-on-toml.json', '{ "extends": "top" }', user);
    const resolved = loader.load('json-on-toml', '/');
    expect(resolved.chain.map((c) => [c.name, c.file])).toEqual([
      ['default', expect.stringMatching(/builtin\/default\.json$/)],
      ['base', join(user, 'base.json')],
      ['mid', join(user, 'mid.yaml')],
      ['top', top],
      ['json-on-toml', join(user, 'json-on-toml.json')],
    ]);
    expect(resolved.profile).toEqual({ filesystem: { read: ['/usr', '/etc', '/opt'] }, network: { allow_domain: ['a.example'] } });
  });

  it('refuses a name with two files, naming both', () => {
    const { loader, user } = setup();
    save('agent.json', '{}', user);
    save('agent.toml', '', user);
    const error = thrown(() => loader.locate('agent', '/'));
    expect(error.kind).toBe('PROFILE_INVALID');
    expect(error.message).toBe(`profile agent is defined twice, in ${join(user, 'agent.json')} and ${join(user, 'agent.toml')}; remove or rename one of them`);
    expect(loader.list().filter((p) => p.name === 'agent').map((p) => p.file)).toEqual([join(user, 'agent.json'), join(user, 'agent.toml')]);
  });

  it('lets a user TOML profile hide the built-in JSON one of its name', () => {
    const { loader, user } = setup();
    save('default.toml', '[filesystem]\nread = ["/srv"]\n', user);
    expect(loader.locate('default', '/')).toEqual({ name: 'default', file: join(user, 'default.toml'), builtin: false });
    expect(loader.list()).toEqual([{ name: 'default', file: join(user, 'default.toml'), builtin: false }]);
  });

  it('names the cycle by profile names whatever the formats', () => {
    const { loader, user } = setup();
    save('a.toml', 'extends = "b"\n', user);
    save('b.yml', 'extends: a\n', user);
    expect(thrown(() => loader.load('a', '/')).message).toMatch(/a\.toml: extends: cycle a → b → a; remove one of these extends$/);
  });
});
