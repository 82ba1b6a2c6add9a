// Signed records. A checkpoint pins the newest row's hash at a moment, so rewriting or
// truncating the rows up to it means forging an Ed25519 signature; the retention anchor says
// where the chain restarts after a prune. The private key stays behind the injected signer
// (the daemon backs it with the OS keyring), and a verifier that brings its own expected
// public key need not trust the one stored beside each record.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { NonoError } from '@nono/shared';
import type Database from 'better-sqlite3';

export interface CheckpointSigner {
  sign(data: Buffer): Buffer;
  publicKeyPem: string;
}

/** A checkpoint (or the retention anchor): the hash of row `seq`, signed at `time`. */
export interface SignedRecord {
  seq: number;
  hash: string;
  time: string;
  signature: string;
  publicKeyPem: string;
}

export type Checkpoint = SignedRecord;

/** Where the chain starts after retention: the last pruned row. Signed when a signer was set. */
export interface Anchor {
  seq: number;
  hash: string;
  /** When the prune ran. */
  time: string;
  signature: string | null;
  publicKeyPem: string | null;
}

/** Which kind of record a signature covers, so a checkpoint's signature cannot pass as an anchor's. */
export type SignedRecordTag = 'nono-audit-checkpoint-v1' | 'nono-audit-anchor-v1';

/** The signed bytes: UTF-8 of `["<tag>",seq,"hash","time"]`, no whitespace. */
export function signedMessage(tag: SignedRecordTag, seq: number, hash: string, time: string): Buffer {
  return Buffer.from(JSON.stringify([tag, seq, hash, time]), 'utf8');
}

/** An in-process signer over an Ed25519 private key (tests, benches, a key read from the vault). */
export function ed25519Signer(privateKey: KeyObject | string): CheckpointSigner {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new NonoError('INVALID_PARAMS', `audit checkpoint key is ${key.asymmetricKeyType ?? 'not asymmetric'}, not ed25519; generate one with generateKeyPairSync('ed25519')`);
  }
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { publicKeyPem, sign: (data) => sign(null, data, key) };
}

export function signRecord(signer: CheckpointSigner, tag: SignedRecordTag, seq: number, hash: string, time: string): SignedRecord {
  const signature = signer.sign(signedMessage(tag, seq, hash, time)).toString('base64');
  return { seq, hash, time, signature, publicKeyPem: signer.publicKeyPem };
}

/**
 * Why a record's signature does not hold, or undefined when it does. With `expected`, the
 * record must be signed by one of those keys: a forger with write access to the database
 * could otherwise store their own public key beside their own signature.
 */
export function signatureProblem(tag: SignedRecordTag, record: SignedRecord | Anchor, expected?: KeyObject[]): string | undefined {
  const what = tag === 'nono-audit-anchor-v1' ? 'retention anchor' : 'checkpoint';
  if (record.signature === null || record.publicKeyPem === null) {
    return expected ? `${what} at seq ${record.seq} is unsigned but a signing key is expected` : undefined;
  }
  let stored: KeyObject;
  try {
    stored = createPublicKey(record.publicKeyPem);
  } catch {
    return `${what} at seq ${record.seq} stores an unreadable public key`;
  }
  if (expected && !expected.some((key) => stored.equals(key))) return `${what} at seq ${record.seq} is signed by a key other than the expected one`;
  const message = signedMessage(tag, record.seq, record.hash, record.time);
  if (!verify(null, message, stored, Buffer.from(record.signature, 'base64'))) {
    return `${what} at seq ${record.seq} has a signature that does not verify`;
  }
  return undefined;
}

export function readCheckpoints(db: Database.Database): Checkpoint[] {
  return db
    .prepare('SELECT seq, hash, time, signature, public_key AS publicKeyPem FROM audit_checkpoints ORDER BY seq')
    .all() as Checkpoint[];
}

export function readAnchor(db: Database.Database): Anchor | null {
  const row = db.prepare('SELECT seq, hash, time, signature, public_key AS publicKeyPem FROM audit_anchor WHERE id = 1').get();
  return (row as Anchor | undefined) ?? null;
}

/** Signs the newest row; runs inside the caller's write transaction so that row cannot move. */
export function checkpointNewestRow(db: Database.Database, signer: CheckpointSigner, time: string): Checkpoint | null {
  const newest = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  if (!newest) return null;
  const existing = db
    .prepare('SELECT seq, hash, time, signature, public_key AS publicKeyPem FROM audit_checkpoints WHERE seq = ?')
    .get(newest.seq) as Checkpoint | undefined;
  if (existing) return existing;
  const record = signRecord(signer, 'nono-audit-checkpoint-v1', newest.seq, newest.hash, time);
  db.prepare('INSERT INTO audit_checkpoints (seq, hash, time, signature, public_key) VALUES (?, ?, ?, ?, ?)').run(
    record.seq,
    record.hash,
    record.time,
    record.signature,
    record.publicKeyPem,
  );
  return record;
}
