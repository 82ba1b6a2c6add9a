// Signing keys for instruction files: ECDSA P-256, as the Rust nono uses, with the private key
// kept only in a vault (the OS keychain in the daemon, a map in tests) and never on disk. A key
// is known to users by its fingerprint, the SHA-256 of its SPKI DER, which policies pin.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { NonoError } from '@nono/shared';

/** The subset of the keychain vault (credentials/keychain-vault.ts) the key store needs. */
export interface TrustVault {
  set(name: string, secret: string): Promise<void>;
  get(name: string): Promise<string | undefined>;
  remove(name: string): Promise<boolean>;
  list(): Promise<string[]>;
}

export interface TrustPublicKey {
  id: string;
  fingerprint: string;
  /** SPKI, PEM-encoded: what goes into a policy's `publishers[].public_key`. */
  publicKeyPem: string;
}

export interface TrustSigningKey extends TrustPublicKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const DEFAULT_KEY_ID = 'default';
// The keychain vault accepts [a-z0-9_.-] names of up to 64 characters, so no ':' separator.
const VAULT_PREFIX = 'trust-key.';
const KEY_ID = /^[a-z0-9][a-z0-9_.-]{0,53}$/;

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

function checkKeyId(id: string): void {
  if (!KEY_ID.test(id)) throw new NonoError('INVALID_PARAMS', `trust key id "${id}": use lower-case letters, digits, . _ - (up to 54)`);
}

function describeKey(id: string, privateKey: KeyObject): TrustSigningKey {
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { id, privateKey, publicKey, publicKeyPem, fingerprint: keyFingerprint(publicKey) };
}

export class TrustKeyStore {
  constructor(private readonly vault: TrustVault) {}

  /** Creates a key pair and stores its PKCS#8 private key; refuses to replace an existing one. */
  async generate(id: string = DEFAULT_KEY_ID): Promise<TrustPublicKey> {
    checkKeyId(id);
    if ((await this.vault.get(VAULT_PREFIX + id)) !== undefined) {
      throw new NonoError('INVALID_PARAMS', `trust key "${id}" already exists; remove it first or pick another id`, { id });
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await this.vault.set(VAULT_PREFIX + id, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const { fingerprint, publicKeyPem } = describeKey(id, privateKey);
    return { id, fingerprint, publicKeyPem };
  }

  async load(id: string = DEFAULT_KEY_ID): Promise<TrustSigningKey> {
    checkKeyId(id);
    const pem = await this.vault.get(VAULT_PREFIX + id);
    if (pem === undefined) {
      throw new NonoError('PATH_NOT_FOUND', `trust key "${id}" is not in the keychain; create it with nono trust keygen${id === DEFAULT_KEY_ID ? '' : ` --id ${id}`}`, { id });
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(pem);
    } catch (error) {
      throw new NonoError('INVALID_PARAMS', `trust key "${id}" in the keychain is not a readable PKCS#8 key (${(error as Error).message}); remove it and generate a new one`, { id });
    }
    if (!isP256(privateKey)) {
      throw new NonoError('INVALID_PARAMS', `trust key "${id}" in the keychain is not an ECDSA P-256 key; remove it and generate a new one`, { id });
    }
    return describeKey(id, privateKey);
  }

  async publicKey(id: string = DEFAULT_KEY_ID): Promise<TrustPublicKey> {
    const { id: keyId, fingerprint, publicKeyPem } = await this.load(id);
    return { id: keyId, fingerprint, publicKeyPem };
  }

  async remove(id: string = DEFAULT_KEY_ID): Promise<boolean> {
    checkKeyId(id);
    return this.vault.remove(VAULT_PREFIX + id);
  }

  /** Key ids, sorted; other secrets in the same vault are not listed. */
  async list(): Promise<string[]> {
    return (await this.vault.list())
      .filter((name) => name.startsWith(VAULT_PREFIX))
      .map((name) => name.slice(VAULT_PREFIX.length))
      .sort();
  }
}
