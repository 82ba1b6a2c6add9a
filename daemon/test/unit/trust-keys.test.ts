// Trust keys in a vault: PKCS#8 in, never on disk, names the OS keychain accepts, and a
// fingerprint that is the SHA-256 of the SPKI DER as openssl computes it.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCredentialName } from '../../src/credentials/keychain-vault.js';
import { TrustKeyStore, type TrustVault } from '../../src/trust/trust-keys.js';

function memoryVault(): TrustVault & { secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  return {
    secrets,
    set: async (name, secret) => {
      checkCredentialName(name);
      secrets.set(name, secret.trim());
    },
    get: async (name) => secrets.get(name),
    remove: async (name) => secrets.delete(name),
    list: async () => [...secrets.keys()].sort(),
  };
}

describe('trust key store', () => {
  it('stores a P-256 PKCS#8 key under a keychain-valid name and loads it back', async () => {
    const vault = memoryVault();
    const store = new TrustKeyStore(vault);
    const created = await store.generate();
    expect(created.id).toBe('default');
    expect([...vault.secrets.keys()]).toEqual(['trust-key.default']);
    expect(vault.secrets.get('trust-key.default')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const loaded = await store.load();
    expect(loaded.fingerprint).toBe(created.fingerprint);
    expect(loaded.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(await store.publicKey()).toEqual(created);
  });

  it('computes the fingerprint as SHA-256 of the SPKI DER', async () => {
    const key = await new TrustKeyStore(memoryVault()).generate('work');
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: key.publicKeyPem });
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der, encoding: 'utf8' }).split(' ')[0];
    expect(key.fingerprint).toBe(digest);
  });

  it('refuses to overwrite a key, lists only trust keys, and removes', async () => {
    const vault = memoryVault();
    vault.secrets.set('github', 'not a trust key');
    const store = new TrustKeyStore(vault);
    await store.generate('a');
    await expect(store.generate('a')).rejects.toMatchObject({ kind: 'INVALID_PARAMS', message: expect.stringContaining('already exists') });
    await store.generate('b');
    expect(await store.list()).toEqual(['a', 'b']);
    expect(await store.remove('a')).toBe(true);
    expect(await store.list()).toEqual(['b']);
  });

  it('says how to create a missing key and rejects bad ids', async () => {
    const store = new TrustKeyStore(memoryVault());
    await expect(store.load()).rejects.toMatchObject({ kind: 'PATH_NOT_FOUND', message: expect.stringContaining('nono trust keygen') });
    await expect(store.generate('Bad:Id')).rejects.toMatchObject({ kind: 'INVALID_PARAMS' });
  });

  it('refuses a stored key that is not P-256', async () => {
    const vault = memoryVault();
    vault.secrets.set('trust-key.default', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(new TrustKeyStore(vault).load()).rejects.toMatchObject({ kind: 'INVALID_PARAMS', message: expect.stringContaining('not an ECDSA P-256 key') });
  });
});
