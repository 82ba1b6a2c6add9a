// A pack's signature: the same DSSE envelope and Sigstore-style bundle `nono trust sign` writes,
// over an in-toto Statement whose one subject is `NS/NAME@VERSION` with the tarball's SHA-256.
// Naming the version in the signed subject stops a registry from serving an old, validly signed
// tarball as a newer version. Whether the key is trusted is decided apart, by fingerprint.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { NonoError } from '@nono/shared';
import { signEnvelope, verifySignature } from '../trust/dsse-envelope.js';
import { INTOTO_PAYLOAD_TYPE, STATEMENT_TYPE } from '../trust/intoto-statement.js';
import { BUNDLE_MEDIA_TYPE, parseBundle, type SignatureBundle } from '../trust/signature-bundle.js';
import { isP256, keyFingerprint, type TrustSigningKey } from '../trust/trust-keys.js';

export const PACK_PREDICATE_TYPE = 'https://nono.sh/attestation/pack/v1';

export interface PackStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof PACK_PREDICATE_TYPE;
  predicate: { signed_at: string; key_fingerprint: string; public_key: string };
}

export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parsePackStatement(value: unknown): PackStatement | string {
  if (!isObject(value) || value._type !== STATEMENT_TYPE) return 'the payload is not an in-toto v1 Statement';
  if (value.predicateType !== PACK_PREDICATE_TYPE) return `the predicate type ${JSON.stringify(value.predicateType)} is not ${PACK_PREDICATE_TYPE}`;
  const subjects = value.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1) return 'the statement must name exactly one subject';
  const subject = subjects[0] as unknown;
  if (!isObject(subject) || typeof subject.name !== 'string' || !isObject(subject.digest) || typeof subject.digest.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(subject.digest.sha256)) {
    return 'the subject needs a name and a lower-case hex sha256 digest';
  }
  const predicate = value.predicate;
  if (!isObject(predicate) || typeof predicate.signed_at !== 'string' || typeof predicate.key_fingerprint !== 'string' || typeof predicate.public_key !== 'string') {
    return 'the predicate needs signed_at, key_fingerprint and public_key';
  }
  return value as unknown as PackStatement;
}

export function signPack(subject: string, archive: Uint8Array, key: TrustSigningKey, now: Date = new Date()): SignatureBundle {
  const statement: PackStatement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject, digest: { sha256: sha256Hex(archive) } }],
    predicateType: PACK_PREDICATE_TYPE,
    predicate: { signed_at: now.toISOString(), key_fingerprint: key.fingerprint, public_key: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') },
  };
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key.privateKey, key.fingerprint);
  return { mediaType: BUNDLE_MEDIA_TYPE, verificationMaterial: { publicKey: { hint: key.fingerprint } }, dsseEnvelope: envelope };
}

export interface VerifiedPack {
  /** SHA-256 of the signer's SPKI DER: what the user accepts. */
  publisher: string;
  publicKeyPem: string;
  signedAt: string;
  sha256: string;
}

/**
 * Checks that `bundleText` signs exactly this tarball as exactly this `subject`, with the key the
 * bundle carries. PACK_VERIFICATION_FAILED otherwise; trusting the key is the caller's decision.
 */
export function verifyPack(subject: string, archive: Uint8Array, bundleText: string): VerifiedPack {
  const failed = (why: string): NonoError => new NonoError('PACK_VERIFICATION_FAILED', `${subject}: ${why}; the pack was not installed`, { pack: subject });
  let parsed;
  try {
    parsed = parseBundle(bundleText, `${subject} signature bundle`, subject, { parse: parsePackStatement, remedy: 'ask the publisher to publish it again' });
  } catch (error) {
    throw failed((error as Error).message.replace(/; ask the publisher.*$/, ''));
  }
  const { statement, payload, bundle } = parsed;
  const [named] = statement.subject;
  if (named.name !== subject) throw failed(`the signature is for ${named.name}, not ${subject}`);
  const sha256 = sha256Hex(archive);
  if (named.digest.sha256 !== sha256) throw failed(`the tarball's SHA-256 ${sha256} is not the signed ${named.digest.sha256} (changed after signing)`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(statement.predicate.public_key, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw failed('the signer key in the bundle is not a public key');
  }
  if (!isP256(publicKey)) throw failed('the signer key is not ECDSA P-256');
  const publisher = keyFingerprint(publicKey);
  if (publisher !== statement.predicate.key_fingerprint) throw failed('the signer key does not match the fingerprint the statement names');
  const signed = bundle.dsseEnvelope.signatures.some((signature) => verifySignature(INTOTO_PAYLOAD_TYPE, payload, signature, publicKey));
  if (!signed) throw failed('the signature does not verify with the key the bundle names');
  return { publisher, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), signedAt: statement.predicate.signed_at, sha256 };
}
