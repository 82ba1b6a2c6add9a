// The signature format, proved from outside: PAE as the DSSE spec writes it, and signatures that
// openssl verifies as plain ECDSA P-256 / SHA-256 DER over those bytes.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preAuthEncoding, signEnvelope, verifySignature } from '../../src/trust/dsse-envelope.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync('/var/tmp/nono-trust-dsse-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keys = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('DSSE pre-authentication encoding', () => {
  it('matches the test vector in the DSSE protocol spec', () => {
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters, so multi-byte payloads cannot shift the boundary', () => {
    const payload = Buffer.from('é✓', 'utf8');
    expect(preAuthEncoding('t', payload)).toEqual(Buffer.concat([Buffer.from('DSSEv1 1 t 5 '), payload]));
  });
});

describe('DSSE signatures', () => {
  it('verify with openssl as ECDSA P-256 SHA-256 DER over the PAE bytes', () => {
    const { privateKey, publicKey } = keys();
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const envelope = signEnvelope('application/vnd.in-toto+json', payload, privateKey, 'k');
    writeFileSync(join(dir, 'pae'), preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64')));
    writeFileSync(join(dir, 'sig.der'), Buffer.from(envelope.signatures[0]!.sig, 'base64'));
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'pae')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
    // And the DER parses as an ASN.1 SEQUENCE of two INTEGERs (r, s), not a raw 64-byte r||s.
    const asn1 = execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', join(dir, 'sig.der')], { encoding: 'utf8' });
    expect(asn1.match(/INTEGER/g)).toHaveLength(2);
  });

  it('verifies a signature openssl made over the PAE', () => {
    const { privateKey, publicKey } = keys();
    const payload = Buffer.from('signed by openssl');
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'pae'), preAuthEncoding('text/plain', payload));
    const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', join(dir, 'key.pem'), join(dir, 'pae')]);
    expect(verifySignature('text/plain', payload, { keyid: 'k', sig: sig.toString('base64') }, publicKey)).toBe(true);
  });

  it('rejects a changed payload, a changed type, another key and garbage', () => {
    const { privateKey, publicKey } = keys();
    const envelope = signEnvelope('t', Buffer.from('payload'), privateKey, 'k');
    const signature = envelope.signatures[0]!;
    expect(verifySignature('t', Buffer.from('payload'), signature, publicKey)).toBe(true);
    expect(verifySignature('t', Buffer.from('payloaD'), signature, publicKey)).toBe(false);
    expect(verifySignature('u', Buffer.from('payload'), signature, publicKey)).toBe(false);
    expect(verifySignature('t', Buffer.from('payload'), signature, keys().publicKey)).toBe(false);
    expect(verifySignature('t', Buffer.from('payload'), { keyid: 'k', sig: 'AAAA' }, publicKey)).toBe(false);
  });
});
