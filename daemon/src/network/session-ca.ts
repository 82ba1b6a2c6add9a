// A certificate authority of the session's own, made in memory, for intercepting TLS to hosts
// with a credential route (tools like git and gh ignore base URLs) and for opening hosts allowed
// on some paths only. Its key never leaves the daemon; the sandbox trusts its certificate through
// the CA variables nono sets. Keys are ECDSA P-256: a pair takes about a millisecond, where the
// RSA-2048 pairs this used took 0.1 to 0.5 s of a core each, two per CA, on every session with a
// credential route (bench/README.md, "Agents"). @peculiar/x509 builds and signs the certificates
// with Node's WebCrypto; Node cannot, and node-forge signs with RSA only.
// tsyringe, inside @peculiar/x509, needs the Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

const DAY_MS = 86_400_000;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** A week either side of now is plenty for one session, and survives a clock a day off. */
function serialAndValidity(): { serialNumber: string; notBefore: Date; notAfter: Date } {
  return { serialNumber: `01${randomBytes(15).toString('hex')}`, notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 7 * DAY_MS) };
}

export interface SessionCa {
  certPem: string;
  /** Key and certificate chain for one host, made on first use. */
  leaf(host: string): Promise<{ key: string; cert: string }>;
}

export async function createSessionCa(sessionId: string): Promise<SessionCa> {
  const [caKeys, leafKeys] = await Promise.all([keyPair(), keyPair()]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    ...serialAndValidity(),
    name: [{ CN: [`nono session ${sessionId}`] }],
    keys: caKeys,
    signingAlgorithm: ECDSA,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const certPem = `${caCert.toString('pem')}\n`;
  const leafKey = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey), 'PRIVATE KEY');
  const leaves = new Map<string, Promise<{ key: string; cert: string }>>();
  const issue = async (host: string): Promise<{ key: string; cert: string }> => {
    const cert = await x509.X509CertificateGenerator.create({
      ...serialAndValidity(),
      subject: [{ CN: [host] }],
      issuer: caCert.subject,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ECDSA,
      extensions: [
        new x509.BasicConstraintsExtension(false),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host }]),
      ],
    });
    return { key: leafKey, cert: `${cert.toString('pem')}\n${certPem}` };
  };
  return {
    certPem,
    leaf(host) {
      let issued = leaves.get(host);
      if (!issued) {
        issued = issue(host);
        leaves.set(host, issued);
        // A failed issue is tried again by the next tunnel, not remembered.
        issued.catch(() => leaves.delete(host));
      }
      return issued;
    },
  };
}
