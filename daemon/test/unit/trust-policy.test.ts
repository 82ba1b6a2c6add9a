// trust-policy.json: errors name the file, line and key; a project policy can add but never
// weaken what the user's policy sets.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFingerprint } from '../../src/trust/trust-keys.js';
import { DEFAULT_INCLUDE, loadTrustPolicy, mergeTrustPolicies, parseTrustPolicy } from '../../src/trust/trust-policy.js';

let dir: string;
let userFile: string;
let workdir: string;
beforeEach(() => {
  dir = mkdtempSync('/var/tmp/nono-trust-policy-');
  userFile = join(dir, 'config', 'trust-policy.json');
  workdir = join(dir, 'work');
  mkdirSync(join(dir, 'config'));
  mkdirSync(workdir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
const pem = (key = p256()) => key.export({ type: 'spki', format: 'pem' }).toString();
const hex = (c: string) => c.repeat(64);

describe('trust policy parsing', () => {
  it('reports a JSON syntax error with the file and line', async () => {
    writeFileSync(userFile, '{\n  "enforcement": "deny",\n  "include": ["CLAUDE.md",]\n}\n');
    const error = await loadTrustPolicy({ userPolicyFile: userFile, workdir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'TRUST_POLICY_INVALID', message: expect.stringMatching(new RegExp(`^${userFile}:3:\\d+: .*fix the JSON syntax there$`)) });
    expect((error as Error).message).not.toContain('\n');
  });

  it('names the key and its line for a schema error', () => {
    const text = '{\n  "publishers": [\n    { "name": "me", "fingerprint": "xyz" }\n  ]\n}';
    expect(() => parseTrustPolicy(text, 'p.json')).toThrow(/^p\.json:3:\d+: publishers\[0\]\.fingerprint must be a SHA-256 in 64 hex digits$/);
    expect(() => parseTrustPolicy('{"enforcment": "warn"}', 'p.json')).toThrow(/enforcment is not a trust policy key/);
    expect(() => parseTrustPolicy('{"enforcement": "off"}', 'p.json')).toThrow(/enforcement must be one of audit, warn, deny/);
  });

  it('checks publishers: a key or a fingerprint, P-256, and consistent', () => {
    expect(() => parseTrustPolicy('{"publishers":[{"name":"x"}]}', 'p.json')).toThrow(/"x" needs public_key or fingerprint/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() => parseTrustPolicy(JSON.stringify({ publishers: [{ name: 'r', public_key: pem(rsa) }] }), 'p.json')).toThrow(/not an ECDSA P-256 key/);
    expect(() => parseTrustPolicy(JSON.stringify({ publishers: [{ name: 'm', public_key: pem(), fingerprint: hex('a') }] }), 'p.json')).toThrow(/fingerprint does not match public_key/);
    const key = p256();
    const der = key.export({ type: 'spki', format: 'der' }).toString('base64');
    const layer = parseTrustPolicy(JSON.stringify({ publishers: [{ name: 'b64', public_key: der }] }), 'p.json');
    expect(layer.publishers[0]).toMatchObject({ name: 'b64', fingerprint: keyFingerprint(key) });
  });

  it('rejects includes that are negated, absolute or leave the workdir', () => {
    expect(() => parseTrustPolicy('{"include":["!CLAUDE.md"]}', 'p.json')).toThrow(/include\[0\] "!CLAUDE.md" negated globs are not allowed/);
    expect(() => parseTrustPolicy('{"include":["/etc/*.md"]}', 'p.json')).toThrow(/relative to the workdir/);
    expect(() => parseTrustPolicy('{"include":["../x/*.md"]}', 'p.json')).toThrow(/must not leave the workdir/);
  });
});

describe('trust policy merge', () => {
  it('defaults to the standard includes, no publishers and deny when there is no policy at all', async () => {
    expect(await loadTrustPolicy({ userPolicyFile: userFile, workdir })).toEqual({ include: [...DEFAULT_INCLUDE], publishers: [], blocklist: [], enforcement: 'deny', sources: [] });
  });

  it('keeps deny when the project asks for audit', async () => {
    writeFileSync(userFile, '{"enforcement": "deny"}');
    writeFileSync(join(workdir, 'trust-policy.json'), '{"enforcement": "audit"}');
    const policy = await loadTrustPolicy({ userPolicyFile: userFile, workdir });
    expect(policy.enforcement).toBe('deny');
    expect(policy.sources).toEqual([userFile, join(workdir, 'trust-policy.json')]);
  });

  it('lets the project tighten enforcement but not loosen it', () => {
    const layer = (enforcement: 'audit' | 'warn' | 'deny') => ({ file: enforcement, enforcement, publishers: [], blocklist: [] });
    expect(mergeTrustPolicies(layer('audit'), layer('warn')).enforcement).toBe('warn');
    expect(mergeTrustPolicies(layer('warn'), layer('audit')).enforcement).toBe('warn');
    expect(mergeTrustPolicies(layer('audit'), undefined).enforcement).toBe('audit');
  });

  it('unions includes, publishers and blocklists; the user entry wins for a fingerprint', () => {
    const shared = pem();
    const user = parseTrustPolicy(JSON.stringify({ include: ['CLAUDE.md'], publishers: [{ name: 'me', public_key: shared }], blocklist: [{ sha256: hex('A'), reason: 'user' }] }), 'u');
    const project = parseTrustPolicy(
      JSON.stringify({ include: ['docs/**/*.md'], publishers: [{ name: 'impostor', public_key: shared }, { name: 'team', fingerprint: hex('b') }], blocklist: [{ sha256: hex('a'), reason: 'project' }, { sha256: hex('c') }] }),
      'p',
    );
    const merged = mergeTrustPolicies(user, project);
    expect(merged.include).toEqual(['CLAUDE.md', 'docs/**/*.md']);
    expect(merged.publishers.map((p) => p.name)).toEqual(['me', 'team']);
    expect(merged.blocklist).toEqual([{ sha256: hex('a'), reason: 'user' }, { sha256: hex('c') }]);
  });

  it('adds project includes to the defaults when the user policy names none', () => {
    const merged = mergeTrustPolicies(parseTrustPolicy('{}', 'u'), parseTrustPolicy('{"include":["**/CLAUDE.md"]}', 'p'));
    expect(merged.include).toEqual([...DEFAULT_INCLUDE, '**/CLAUDE.md']);
  });
});
