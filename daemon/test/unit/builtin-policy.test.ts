// The built-in data (daemon/data) as shipped: every profile resolves on a home that has the
// usual tools in it, each agent profile grants that agent's own directories, and no grant a
// group makes is lost to a deny of another group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveNonoPaths } from '@nono/shared';
import { compilePlan, type PolicyServices } from '../../src/policy/compile-plan.js';
import { GroupCatalog } from '../../src/policy/group-catalog.js';
import { SecretNames } from '../../src/policy/secret-names.js';
import { NetworkProfileCatalog } from '../../src/policy/network-profiles.js';
import { ProfileLoader } from '../../src/policy/profile-loader.js';

let root: string;
let home: string;
let env: Record<string, string>;

// What a developer's home holds: tool directories next to the credentials beside them.
const HOME_ENTRIES = [
  '.ssh/id_ed25519',
  '.aws/credentials',
  '.bashrc',
  '.bash_history',
  '.mozilla/firefox/profiles.ini',
  '.local/share/keyrings/login.keyring',
  '.npm/_cacache/index',
  '.npmrc',
  '.cargo/registry/index',
  '.cargo/credentials.toml',
  '.cargo/config.toml',
  '.rustup/settings.toml',
  '.m2/repository/x',
  '.m2/settings.xml',
  '.gitconfig',
  '.config/git/config',
  '.config/git/credentials',
  '.config/gh/hosts.yml',
  '.claude/settings.json',
  '.claude.json',
  '.codex/config.toml',
  '.gemini/settings.json',
  '.config/opencode/opencode.json',
  '.config/crush/crush.json',
  '.cache/pip/x',
  'go/pkg/mod/x',
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nono-builtin-'));
  home = join(root, 'home');
  for (const entry of HOME_ENTRIES) {
    mkdirSync(dirname(join(home, entry)), { recursive: true });
    writeFileSync(join(home, entry), 'x');
  }
  mkdirSync(join(home, 'project'));
  mkdirSync(join(root, 'run'));
  env = { HOME: home, XDG_RUNTIME_DIR: join(root, 'run'), XDG_STATE_HOME: join(root, 'state'), PATH: '/usr/bin' };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const services = (): PolicyServices => ({
  isolation: { view: false, reason: 'test' },
  paths: resolveNonoPaths(env),
  groups: GroupCatalog.load(),
  networkProfiles: NetworkProfileCatalog.load(),
  secretNames: SecretNames.load(),
  profiles: new ProfileLoader(join(root, 'no-user-profiles')),
  daemonHome: home,
});
const plan = (profile: string) => compilePlan({ cwd: join(home, 'project'), env, profile }, services()).plan;
const grantOf = (p: ReturnType<typeof plan>, relative: string) => p.rules.find((rule) => rule.path === join(home, relative))?.access;

describe('the built-in policy data', () => {
  const builtins = () => new ProfileLoader(join(root, 'no-user-profiles')).list().map((p) => p.name);

  it('ships the profiles the docs name', () => {
    expect(builtins()).toEqual(
      expect.arrayContaining(['default', 'python-dev', 'node-dev', 'go-dev', 'rust-dev', 'claude-code', 'codex', 'opencode', 'crush', 'gemini-cli']),
    );
  });

  it('resolves every built-in profile, denies every credential, and drops no group grant', () => {
    for (const name of builtins()) {
      const p = plan(name);
      const denied = p.denied.map((d) => d.path);
      for (const secret of ['.ssh', '.aws', '.bashrc', '.bash_history', '.mozilla', '.local/share/keyrings', '.npmrc', '.cargo/credentials.toml', '.m2/settings.xml', '.config/git/credentials']) {
        expect(denied, `${name}: ${secret}`).toContain(join(home, secret));
        expect(p.rules.some((r) => r.path === join(home, secret) || join(home, secret).startsWith(`${r.path}/`)), `${name} grants ${secret}`).toBe(false);
      }
      expect(p.notes.filter((n) => n.includes('skipped:')), name).toEqual([]);
    }
  });

  it('gives default the system read-only and nothing of home or the workdir', () => {
    const p = plan('default');
    expect(p.rules).toContainEqual(expect.objectContaining({ path: '/usr', access: 'read', source: 'group system_read_linux' }));
    expect(p.rules.filter((r) => r.path.startsWith(home))).toEqual([]);
    expect(p.hosts.networkProfile).toBeNull();
  });

  it('gives each agent its own directories, its API hosts, and the workdir', () => {
    const agents: [string, string[], string][] = [
      ['claude-code', ['.claude', '.claude.json'], 'api.anthropic.com'],
      ['codex', ['.codex'], 'api.openai.com'],
      ['gemini-cli', ['.gemini'], 'generativelanguage.googleapis.com'],
      ['opencode', ['.config/opencode'], 'models.dev'],
      ['crush', ['.config/crush'], 'catwalk.charm.sh'],
    ];
    for (const [name, dirs, host] of agents) {
      const p = plan(name);
      for (const dir of dirs) expect(grantOf(p, dir), `${name}: ${dir}`).toBe('readwrite');
      expect(grantOf(p, 'project'), name).toBe('readwrite');
      expect(p.hosts.allow, name).toEqual(expect.arrayContaining([host, 'registry.npmjs.org', 'github.com']));
      expect(p.interactive, name).toBe(true);
      expect(grantOf(p, '.codex') === 'readwrite', `${name} and codex's dir`).toBe(name === 'codex');
    }
  });

  it('grants the language caches read-write and the toolchains read-only', () => {
    expect(grantOf(plan('node-dev'), '.npm')).toBe('readwrite');
    expect(grantOf(plan('rust-dev'), '.cargo/registry')).toBe('readwrite');
    expect(grantOf(plan('rust-dev'), '.rustup')).toBe('read');
    expect(grantOf(plan('rust-dev'), '.cargo/config.toml')).toBe('read');
    expect(grantOf(plan('python-dev'), '.cache/pip')).toBe('readwrite');
    expect(grantOf(plan('go-dev'), 'go')).toBe('readwrite');
    expect(grantOf(plan('node-dev'), '.gitconfig')).toBe('read');
  });

  it('marks the five deny groups, their macOS twins and macOS private data required', () => {
    expect(GroupCatalog.load().required()).toEqual([
      'deny_browser_data_linux',
      'deny_browser_data_macos',
      'deny_credentials',
      'deny_keychains_linux',
      'deny_keychains_macos',
      'deny_macos_private',
      'deny_shell_configs',
      'deny_shell_history',
    ]);
  });
});

describe('network profile includes', () => {
  it('resolve to the included hosts first and refuse unknown names and cycles', () => {
    const developer = NetworkProfileCatalog.load().get('developer', 'test');
    expect(developer.hosts.indexOf('registry.npmjs.org')).toBeLessThan(developer.hosts.indexOf('github.com'));
    const file = join(root, 'net.json');
    writeFileSync(file, JSON.stringify({ profiles: { a: { hosts: [], include: ['b'] }, b: { hosts: [], include: ['a'] } } }));
    expect(() => NetworkProfileCatalog.load(file)).toThrow(/cycle a → b → a/);
    writeFileSync(file, JSON.stringify({ profiles: { a: { hosts: [], include: ['zz'] } } }));
    expect(() => NetworkProfileCatalog.load(file)).toThrow(/unknown network profile zz/);
  });
});
