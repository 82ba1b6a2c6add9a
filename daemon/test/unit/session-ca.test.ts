// The session's own certificate authority (daemon/src/network/session-ca.ts): what it issues is
// a chain a real TLS client accepts for the host it was issued for and no other, and each session
// has a CA of its own. The whole sessions go through real proxies in test/attacks
// (phantom-credentials, endpoint-paths); this checks the certificates themselves.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createSessionCa, terminateTls, type SessionCa } from '../../src/network/session-ca.js';

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
    const v6 = new X509Certificate((await ca.leaf('[::1]')).cert);
    expect(v6.subjectAltName).toBe('IP Address:0:0:0:0:0:0:0:1');
  });

  it('passes strict verification (key identifiers), as Python 3.13 and openssl -x509_strict require', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const dir = mkdtempSync(join(tmpdir(), 'nono-session-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'leaf.pem'), (await ca.leaf('api.example.test')).cert.split(/(?<=-----END CERTIFICATE-----)/)[0]!);
      const verdict = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
      expect(verdict.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  /** A server that terminates TLS on each connection with terminateTls, the leaf held back delayMs; what it served and the sockets it still holds. */
  async function slowTerminator(ca: SessionCa, delayMs: number) {
    const slow: SessionCa = { certPem: ca.certPem, leaf: async (host) => (await sleep(delayMs), ca.leaf(host)) };
    const open = new Set<Socket>();
    const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      terminateTls(slow, socket, 'api.example.test', (tls) => tls.on('secureConnect', () => undefined).end('served'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, open, close: () => server.close() };
  }

  it('takes over what the client sent before the leaf was ready', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const terminator = await slowTerminator(ca, 200);
    try {
      const client = connect({ host: '127.0.0.1', port: terminator.port, ca: ca.certPem, servername: 'api.example.test' });
      const [data] = (await once(client, 'data')) as [Buffer];
      expect(data.toString()).toBe('served');
      expect(client.authorized).toBe(true);
      client.destroy();
    } finally {
      terminator.close();
    }
  });

  it('closes the socket of a client that hung up before the leaf was ready, with its hello unread', async () => {
    const ca = await createSessionCa('0123456789abcdef');
    const terminator = await slowTerminator(ca, 200);
    try {
      const raw = connectTcp(terminator.port, '127.0.0.1');
      await once(raw, 'connect');
      // The first bytes of a ClientHello, then the end of the stream, both waiting unread in the server's socket.
      raw.end(Buffer.from('160301020001', 'hex'));
      raw.resume();
      raw.on('error', () => undefined);
      for (let waited = 0; waited < 3000 && terminator.open.size > 0; waited += 50) await sleep(50);
      expect(terminator.open.size).toBe(0);
      raw.destroy();
    } finally {
      terminator.close();
    }
  });
});
