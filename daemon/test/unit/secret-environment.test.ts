// Which variables of the user's shell look like secrets (daemon/data/secret-env-names.json),
// what passes them anyway, and how a withheld key becomes a credential route's source.
import { describe, expect, it } from 'vitest';
import { SecretNames } from '../../src/policy/secret-names.js';
import { filterEnvironment } from '../../src/policy/environment.js';
import { credentialsFromEnvironment } from '../../src/policy/credential-environment.js';
import { NetworkProfileCatalog } from '../../src/policy/network-profiles.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const secrets = SecretNames.load();

describe('secret-looking variable names', () => {
  it('flags the keys, tokens and passwords scanners flag, in any case', () => {
    for (const name of [
      'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN', 'NPM_TOKEN', 'HF_TOKEN',
      'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'STRIPE_APIKEY', 'CLIENT_SECRET', 'SECRET_KEY_BASE',
      'PGPASSWORD', 'MYSQL_PWD', 'SMTP_PASS', 'GPG_PASSPHRASE', 'DATABASE_URL', 'STAGING_DATABASE_URL', 'SENTRY_DSN',
      'GOOGLE_APPLICATION_CREDENTIALS', 'AZURE_STORAGE_CONNECTION_STRING', 'SLACK_WEBHOOK_URL', 'BW_SESSION', 'OP_SESSION_my',
      'DOCKER_AUTH_CONFIG', 'github_token', 'Jwt_Secret',
    ]) {
      expect(secrets.looksSecret(name, 'x'), name).toBe(true);
    }
  });

  it('leaves alone what only resembles one: sockets, XDG dirs, the terminal, keyboards, paths to key files, AWS settings', () => {
    for (const name of [
      'SSH_AUTH_SOCK', 'SSH_ASKPASS', 'GPG_AGENT_INFO', 'XDG_RUNTIME_DIR', 'XDG_SESSION_TYPE', 'TERM', 'TERM_PROGRAM', 'COLORTERM',
      'KEYBOARD_LAYOUT', 'KEYMAP', 'XKB_DEFAULT_LAYOUT', 'PWD', 'OLDPWD', 'PATH', 'HOME', 'LANG', 'TOKENIZERS_PARALLELISM',
      'PASSWORD_STORE_DIR', 'POSTGRES_PASSWORD_FILE', 'GITHUB_TOKEN_PATH', 'AWS_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_CA_BUNDLE',
      'ANTHROPIC_BASE_URL', 'HTTPS_PROXY', 'EDITOR', 'SHELL',
    ]) {
      expect(secrets.looksSecret(name, 'http://proxy.example:3128'), name).toBe(false);
    }
  });

  it('flags any variable whose value is a URL with a password, and not one without', () => {
    expect(secrets.looksSecret('REDIS_URL', 'redis://:hunter2@cache:6379/0')).toBe(true);
    expect(secrets.looksSecret('HTTPS_PROXY', 'http://me:hunter2@proxy.corp:3128')).toBe(true);
    expect(secrets.looksSecret('REDIS_URL', 'redis://cache:6379/0')).toBe(false);
    expect(secrets.looksSecret('HTTPS_PROXY', 'http://me@proxy.corp:3128')).toBe(false);
  });
});

describe('filterEnvironment with secrets', () => {
  const input = { PATH: '/bin', GITHUB_TOKEN: 'ghp_x', AWS_SECRET_ACCESS_KEY: 'aws', LD_PRELOAD: '/x.so', NONO_SOCKET: '/s' };

  it('withholds secrets by default, apart from what is dropped for other reasons', () => {
    const r = filterEnvironment(input, {}, secrets);
    expect(r.env).toEqual({ PATH: '/bin' });
    expect(r.withheld).toEqual(['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN']);
    expect(r.dropped).toEqual(['LD_PRELOAD', 'NONO_SOCKET']);
  });

  it('passes one named exactly by --allow-env or allow_vars, never through a pattern, and never past deny_vars or NONO_*', () => {
    expect(filterEnvironment(input, {}, secrets, ['GITHUB_TOKEN']).env).toEqual({ PATH: '/bin', GITHUB_TOKEN: 'ghp_x' });
    expect(filterEnvironment(input, { allow_vars: ['PATH', 'GITHUB_TOKEN'] }, secrets).env).toEqual({ PATH: '/bin', GITHUB_TOKEN: 'ghp_x' });
    expect(filterEnvironment(input, { allow_vars: ['*', 'AWS_*'] }, secrets).withheld).toEqual(['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN']);
    expect(filterEnvironment(input, { allow_vars: ['PATH'] }, secrets, ['GITHUB_TOKEN']).env).toEqual({ PATH: '/bin', GITHUB_TOKEN: 'ghp_x' });
    expect(filterEnvironment(input, { deny_vars: ['GITHUB_TOKEN'] }, secrets, ['GITHUB_TOKEN']).env).toEqual({ PATH: '/bin' });
    expect(filterEnvironment(input, {}, secrets, ['NONO_SOCKET']).env).toEqual({ PATH: '/bin' });
  });
});

describe('credentialsFromEnvironment', () => {
  const withheld = new Set(['ANTHROPIC_API_KEY', 'GITHUB_TOKEN']);

  it("serves an offered route from the shell only when its key is there, and a requested route's key from the shell first", () => {
    const r = credentialsFromEnvironment(['github'], ['anthropic', 'openai'], {}, withheld);
    expect(r.credentials).toEqual(['github=env://GITHUB_TOKEN', 'anthropic=env://ANTHROPIC_API_KEY']);
    expect(r.sources).toEqual([
      { variable: 'GITHUB_TOKEN', route: 'github' },
      { variable: 'ANTHROPIC_API_KEY', route: 'anthropic' },
    ]);
  });

  it('keeps explicit sources, and names env:// variables as sources so they stay out', () => {
    const r = credentialsFromEnvironment(['anthropic=file:///k', 'openai=env://MY_OPENAI'], ['anthropic'], {}, withheld);
    expect(r.credentials).toEqual(['anthropic=file:///k', 'openai=env://MY_OPENAI']);
    expect(r.sources).toEqual([{ variable: 'MY_OPENAI', route: 'openai' }]);
  });

  it('leaves a custom route with a source of its own alone', () => {
    const custom = { upstream: 'https://x', header: 'x-key', format: '{key}', keyVariable: 'GITHUB_TOKEN', baseUrlVariable: null };
    const own = credentialsFromEnvironment(['mine'], [], { mine: { ...custom, source: 'file:///k' } }, withheld);
    expect(own.credentials).toEqual(['mine']);
    const none = credentialsFromEnvironment(['mine'], [], { mine: { ...custom, source: null } }, withheld);
    expect(none.credentials).toEqual(['mine=env://GITHUB_TOKEN']);
  });
});

describe('network profile credentials', () => {
  it("name each agent's own API route, and refuse a route that does not exist", () => {
    const builtin = NetworkProfileCatalog.load();
    expect(builtin.get('claude-code', 'test').credentials).toEqual(['anthropic']);
    expect(builtin.get('codex', 'test').credentials).toEqual(['openai']);
    expect(builtin.get('developer', 'test').credentials).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'nono-netprof-'));
    try {
      const file = join(dir, 'network.json');
      writeFileSync(file, JSON.stringify({ profiles: { odd: { hosts: ['x.example'], credentials: ['anthropix'] } } }));
      expect(() => NetworkProfileCatalog.load(file)).toThrow(/profiles\.odd\.credentials: must be a list of built-in credential route names \(openai, anthropic/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
