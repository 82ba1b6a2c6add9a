// The session's own certificate authority (daemon/src/network/session-ca.ts): what it issues is
// a chain a real TLS client accepts for the host it was issued for and no other, and each session
// has a CA of its own. The whole sessions go through real proxies in test/attacks
// (phantom-credentials, endpoint-paths); this checks the certificates themselves.
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSessionCa } from '../../src/network/session-ca.js';

/** The verdict of a TLS client trusting ca alone, connecting to a server with the given chain under servername. */
async function handshake(ca: string, chain: { key: string; cert: string }, servername: string): Promise<{ authorized: boolean; error?: string }> {
  const server = createServer({ key: chain.key, cert: chain.cert }, (socket) => socket.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca, servername, rejectUnauthorized: false });
    await once(client, 'secureConnect');
    const verdict = { authorized: (client as TLSSocket).authorized, error: (client as TLSSocket).authorizationError?.toString() };
    client.destroy();
    return verdict;
  } finally {
    server.close();
  }
}

describe('session CA', () => {
  it('issues a leaf a TLS client trusting only the session CA accepts for its host, and refuses for another', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const leaf = await ca.leaf('api.example.test');
    expect(await handshake(ca.certPem, leaf, 'api.example.test')).toEqual({ authorized: true, error: undefined });
    const wrongHost = await handshake(ca.certPem, leaf, 'other.example.test');
    expect(wrongHost.authorized).toBe(false);
  });

  it('makes a CA certificate that can sign and nothing else, and leaves that cannot sign, on P-256 keys', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=nono session 0123456789abcdef');
    expect(caCert.publicKey.asymmetricKeyType).toBe('ec');
    expect(caCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const leaf = new X509Certificate((await ca.leaf('127.0.0.1')).cert);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('IP Address:127.0.0.1');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('gives each session a CA of its own, whose leaves the other does not accept', async () => {
    const [first, second] = await Promise.all([createSessionCa('aaaaaaaaaaaaaaaa'), createSessionCa('bbbbbbbbbbbbbbbb')]);
    const leaf = await first.leaf('api.example.test');
    const other = new X509Certificate(second.certPem);
    expect(other.publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(new X509Certificate(first.certPem).publicKey.export({ format: 'der', type: 'spki' }));
    expect((await handshake(second.certPem, leaf, 'api.example.test')).authorized).toBe(false);
  });

  it('issues one leaf per host however many tunnels ask at once', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const asked = await Promise.all([ca.leaf('api.example.test'), ca.leaf('api.example.test'), ca.leaf('api.example.test')]);
    expect(new Set(asked.map((l) => l.cert)).size).toBe(1);
    expect((await ca.leaf('x.example.test')).cert).not.toBe(asked[0]!.cert);
  });
});
