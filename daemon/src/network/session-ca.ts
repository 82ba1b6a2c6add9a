// A certificate authority of the session's own, made in memory, for intercepting TLS to hosts
// with a credential route (tools like git and gh ignore base URLs) and for opening hosts allowed
// on some paths only. Its key never leaves the daemon; the sandbox trusts its certificate through
// the CA variables nono sets. Keys are ECDSA P-256: a pair takes about a millisecond, where the
// RSA-2048 pairs this used took 0.1 to 0.5 s of a core each, two per CA, on every session with a
// credential route (bench/README.md, "Agents: the session CA's keys"). @peculiar/x509 builds and
// signs the certificates with Node's WebCrypto; Node cannot, and node-forge signs with RSA only.
// tsyringe, inside @peculiar/x509, needs the Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, TLSSocket } from 'node:tls';

const DAY_MS = 86_400_000;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Only the leaves' key is ever exported (Node's TLS takes it as PEM); the CA's stays a CryptoKey. */
function keyPair(extractable: boolean): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA, extractable, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** From a day before now (a clock a little off) to a week after: plenty for one session. */
function serialAndValidity(): { serialNumber: string; notBefore: Date; notAfter: Date } {
  return { serialNumber: `01${randomBytes(15).toString('hex')}`, notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 7 * DAY_MS) };
}

export interface SessionCa {
  certPem: string;
  /** Key and certificate chain for one host, made on first use. */
  leaf(host: string): Promise<{ key: string; cert: string }>;
}

export async function createSessionCa(sessionId: string): Promise<SessionCa> {
  const [caKeys, leafKeys] = await Promise.all([keyPair(false), keyPair(true)]);
  // The key identifiers are what strict verifiers (Python 3.13's default context, openssl -x509_strict) require.
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    ...serialAndValidity(),
    name: [{ CN: [`nono session ${sessionId}`] }],
    keys: caKeys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const certPem = `${caCert.toString('pem')}\n`;
  const authority = await x509.AuthorityKeyIdentifierExtension.create(caCert);
  const leafKey = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey), 'PRIVATE KEY');
  const leaves = new Map<string, Promise<{ key: string; cert: string }>>();
  const issue = async (host: string): Promise<{ key: string; cert: string }> => {
    // A CONNECT target names an IPv6 address in brackets; the certificate names the address.
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const cert = await x509.X509CertificateGenerator.create({
      ...serialAndValidity(),
      subject: [{ CN: [bare] }],
      issuer: caCert.subjectName,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ECDSA,
      extensions: [
        new x509.BasicConstraintsExtension(false),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([isIP(bare) ? { type: 'ip', value: bare } : { type: 'dns', value: bare }]),
        authority,
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

/**
 * Terminates TLS as host on socket, a tunnel the proxy has answered 200, once host's leaf is
 * issued, and hands the TLS socket to serve; a tunnel that cannot be served is closed. What the
 * client sends meanwhile waits in socket and the TLS socket takes it over; an end of stream that
 * came with it would not reach TLS, though, whose handshake would then wait for good with the
 * socket open: such a client is gone, and its socket is closed here.
 */
export function terminateTls(ca: SessionCa, socket: Duplex, host: string, serve: (tls: TLSSocket) => void): void {
  ca.leaf(host)
    .then(({ key, cert }) => {
      // Node has no public flag for an end of stream that was read but not yet consumed.
      if (socket.destroyed || (socket as unknown as { _readableState: { ended: boolean } })._readableState.ended) {
        socket.destroy();
        return;
      }
      const tls = new TLSSocket(socket as Socket, { isServer: true, secureContext: createSecureContext({ key, cert }) });
      tls.on('error', () => socket.destroy());
      serve(tls);
    })
    .catch(() => socket.destroy());
}
