// DSSE (Dead Simple Signing Envelope, github.com/secure-systems-lab/dsse): the signature covers
// the pre-authentication encoding of payload type and payload, never the JSON around them, so
// re-serialising an envelope cannot change what was signed. Signatures are ECDSA P-256 over
// SHA-256 in ASN.1 DER, the encoding sigstore and `openssl dgst -verify` use, not IEEE P1363.
import { sign, verify, type KeyObject } from 'node:crypto';

export interface DsseSignature {
  keyid: string;
  /** Base64 of the DER-encoded ECDSA signature. */
  sig: string;
}

export interface DsseEnvelope {
  /** Base64 of the payload bytes. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes, ASCII decimal. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export function signEnvelope(payloadType: string, payload: Uint8Array, privateKey: KeyObject, keyid: string): DsseEnvelope {
  const sig = sign('sha256', preAuthEncoding(payloadType, payload), { key: privateKey, dsaEncoding: 'der' });
  return { payload: Buffer.from(payload).toString('base64'), payloadType, signatures: [{ keyid, sig: sig.toString('base64') }] };
}

/** False for a wrong key, altered payload or a signature that is not DER; never throws on bad input. */
export function verifySignature(payloadType: string, payload: Uint8Array, signature: DsseSignature, publicKey: KeyObject): boolean {
  try {
    return verify('sha256', preAuthEncoding(payloadType, payload), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(signature.sig, 'base64'));
  } catch {
    return false;
  }
}
