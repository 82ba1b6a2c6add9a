// --net-block: TCP (Landlock) and every other socket family (seccomp) are refused; real
// listeners on loopback receive nothing. Without the flag the same probes get through,
// so a denial cannot pass for the wrong reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { join } from 'node:path';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli, PROBE_BIN } from '../support/run-cli.js';
import { unprivilegedUser } from '../support/unprivileged-user.js';

const ctx = usePrivateDaemon();
let tcp: Server;
let tcp6: Server;
let udp: UdpSocket;
let tcpConnections = 0;
let udpDatagrams = 0;
const port = { tcp: 0, tcp6: 0, udp: 0 };

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  tcp = createServer((s) => {
    tcpConnections++;
    s.destroy();
  });
  tcp6 = createServer((s) => {
    tcpConnections++;
    s.destroy();
  });
  port.tcp = await listen(tcp, '127.0.0.1');
  port.tcp6 = await listen(tcp6, '::1');
  udp = createSocket('udp4');
  udp.on('message', () => udpDatagrams++);
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  port.udp = udp.address().port;
});
afterAll(async () => {
  tcp.close();
  tcp6.close();
  udp.close();
});

const probe = (flags: string[], ...args: string[]) =>
  runCli(['run', ...flags, '--read', join(PROBE_BIN, '..'), '--', PROBE_BIN, ...args], ctx.world);

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
}

describe('--net-block', () => {
  it('control: without it, the probes reach the listeners', async () => {
    const before = { tcp: tcpConnections, udp: udpDatagrams };
    expect((await probe([], 'tcp-connect', '127.0.0.1', String(port.tcp))).code).toBe(0);
    expect((await probe([], 'udp-send', '127.0.0.1', String(port.udp))).code).toBe(0);
    await settle();
    expect(tcpConnections).toBe(before.tcp + 1);
    expect(udpDatagrams).toBe(before.udp + 1);
  });

  it('refuses a TCP connect to 127.0.0.1 and ::1, and the listeners see nothing', async () => {
    const before = tcpConnections;
    const v4 = await probe(['--net-block'], 'tcp-connect', '127.0.0.1', String(port.tcp));
    expect(v4.code).toBe(1);
    expect(v4.stdout).toMatch(/denied/);
    const v6 = await runCli(['run', '--net-block', '--', 'sh', '-c', `exec 3<>/dev/tcp/::1/${port.tcp6}`], ctx.world);
    expect(v6.code).not.toBe(0);
    await settle();
    expect(tcpConnections).toBe(before);
  });

  it('refuses a UDP datagram to 127.0.0.1 (and so DNS), and the listener gets nothing', async () => {
    const before = udpDatagrams;
    const r = await probe(['--net-block'], 'udp-send', '127.0.0.1', String(port.udp));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/denied/);
    const dns = await runCli(['run', '--net-block', '--', 'getent', 'hosts', 'example.com'], ctx.world);
    expect(dns.code).not.toBe(0);
    await settle();
    expect(udpDatagrams).toBe(before);
  });

  it('refuses binding a TCP listener', async () => {
    const r = await probe(['--net-block'], 'tcp-bind', '0');
    expect(r.code).toBe(1);
  });

});

describe('--net-block as an unprivileged user', () => {
  const as = unprivilegedUser();
  const user = usePrivateDaemon({ world: { owner: as }, as });

  it('refuses TCP and UDP alike, and the listeners see nothing', async () => {
    const before = { tcp: tcpConnections, udp: udpDatagrams };
    const probeAs = (...args: string[]) =>
      runCli(['run', '--net-block', '--read', join(PROBE_BIN, '..'), '--', PROBE_BIN, ...args], user.world, { as });
    const tcp = await probeAs('tcp-connect', '127.0.0.1', String(port.tcp));
    expect(tcp.code, tcp.stderr).toBe(1);
    expect((await probeAs('udp-send', '127.0.0.1', String(port.udp))).code).toBe(1);
    await settle();
    expect(tcpConnections).toBe(before.tcp);
    expect(udpDatagrams).toBe(before.udp);
  });
});
