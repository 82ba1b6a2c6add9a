// A certificate authority of the session's own, made in memory, for intercepting TLS to hosts
// with a credential route (tools like git and gh ignore base URLs). Its key never leaves the
// daemon; the sandbox trusts its certificate through the CA variables nono sets. Keys come
// from Node's crypto (native, fast); node-forge builds and signs the X.509 certificates,
// which Node cannot.
import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generate = promisify(generateKeyPair);
const DAY_MS = 86_400_000;

async function keyPair(): Promise<{ privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string }> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey), pem: privateKey };
}

type KeyPair = Awaited<ReturnType<typeof keyPair>>;

/**
 * RSA key pairs made ahead, in the thread pool: a 2048-bit pair takes ~0.3 s on a slow core,
 * which every session with a credential route would otherwise wait for at start. The first
 * session of a daemon pays; each one takes its pairs and starts making the next session's.
 * One pool per daemon process, like the thread pool it fills from.
 */
const spare: Promise<KeyPair>[] = [];
const SPARE_PAIRS = 2;

function takeKeyPair(): Promise<KeyPair> {
  const next = spare.shift() ?? keyPair();
  while (spare.length < SPARE_PAIRS) {
    const made = keyPair();
    made.catch(() => undefined);
    spare.push(made);
  }
  return next;
}

function certificate(subject: string, publicKey: forge.pki.rsa.PublicKey, extensions: object[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 7 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setExtensions(extensions);
  return cert;
}

export interface SessionCa {
  certPem: string;
  /** Key and certificate chain for one host, made on first use. */
  leaf(host: string): { key: string; cert: string };
}

export async function createSessionCa(sessionId: string): Promise<SessionCa> {
  const [ca, leafKeys] = await Promise.all([takeKeyPair(), takeKeyPair()]);
  const caCert = certificate(`nono session ${sessionId}`, ca.publicKey, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.sign(ca.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(caCert);
  const leaves = new Map<string, { key: string; cert: string }>();
  return {
    certPem,
    leaf(host) {
      let issued = leaves.get(host);
      if (!issued) {
        const cert = certificate(host, leafKeys.publicKey, [
          { name: 'basicConstraints', cA: false },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: [isIP(host) ? { type: 7, ip: host } : { type: 2, value: host }] },
        ]);
        cert.setIssuer(caCert.subject.attributes);
        cert.sign(ca.privateKey, forge.md.sha256.create());
        issued = { key: leafKeys.pem, cert: forge.pki.certificateToPem(cert) + certPem };
        leaves.set(host, issued);
      }
      return issued;
    },
  };
}
