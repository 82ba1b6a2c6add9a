// What learn reports about the network: connections, listening ports, unix sockets and DNS
// names read from canned strace lines, DNS query packets, and host names from a hosts file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameHosts } from '../../src/host-names.js';
import { dnsQueryName } from '../../src/network-summary.js';
import { TraceAnalyzer, type OutboundConnection } from '../../src/index.js';

function analyze(lines: string[]) {
  const analyzer = new TraceAnalyzer('/w');
  analyzer.pushText(`${lines.join('\n')}\n`);
  return analyzer.finish();
}

describe('network calls', () => {
  it('records connections, listening ports, unix sockets and DNS names', () => {
    const query = '";{\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\7example\\3com\\0\\0\\1\\0\\1"';
    const { network } = analyze([
      '1 connect(3<TCP:[1]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16) = -1 EINPROGRESS (Operation now in progress)',
      '1 connect(4<TCPv6:[2]>, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:10.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)',
      '1 connect(5<UNIX-STREAM:[3]>, {sa_family=AF_UNIX, sun_path="/run/user/1/agent.sock"}, 110) = 0',
      '1 connect(5<UNIX-STREAM:[3]>, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X0"}, 20) = 0',
      `1 sendto(6<UDP:[10.0.0.2:4000->10.0.0.53:53]>, ${query}, 29, MSG_NOSIGNAL, NULL, 0) = 29`,
      `1 sendmmsg(6<UDP:[10.0.0.2:4000->10.0.0.53:53]>, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=${query}, iov_len=29}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=29}], 1, MSG_NOSIGNAL) = 1`,
      '1 bind(7<TCP:[4]>, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
      '1 listen(7<TCP:[127.0.0.1:45279]>, 511) = 0',
      '1 bind(8<UDP:[5]>, {sa_family=AF_INET, sin_port=htons(5353), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    ]);
    expect(network.summary()).toEqual({
      outbound: [
        { protocol: 'tcp', address: '10.0.0.1', port: 80, count: 1, connected: false, host: null, hostSource: null },
        { protocol: 'tcp', address: '93.184.216.34', port: 443, count: 1, connected: true, host: null, hostSource: null },
      ],
      listening: [
        { protocol: 'udp', address: '0.0.0.0', port: 5353 },
        { protocol: 'tcp', address: '127.0.0.1', port: 45279 },
      ],
      unixSockets: ['/run/user/1/agent.sock'],
      dnsNames: ['example.com'],
    });
  });

});

describe('dnsQueryName', () => {
  it('reads the question of a query and ignores responses and reverse lookups', () => {
    const question = (name: string, flags = 0x0100) => {
      const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
      return Buffer.from([0x12, 0x34, flags >> 8, flags & 0xff, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
    };
    expect(dnsQueryName(question('Registry.NPMJS.org'))).toBe('registry.npmjs.org');
    expect(dnsQueryName(question('example.com', 0x8180))).toBeNull();
    expect(dnsQueryName(question('4.3.2.1.in-addr.arpa'))).toBeNull();
    expect(dnsQueryName(question('example.com').subarray(0, 20))).toBeNull();
  });
});

describe('nameHosts', () => {
  it('names addresses from the hosts file the command read, and makes no lookups when told not to', async () => {
    const dir = mkdtempSync('/var/tmp/nono-learn-hosts-');
    try {
      writeFileSync(join(dir, 'hosts'), '# local\n10.1.2.3   db.internal db\n127.0.0.1 localhost\n');
      const outbound: OutboundConnection[] = ['10.1.2.3', '192.0.2.9'].map((address) => ({ protocol: 'tcp', address, port: 5432, count: 1, connected: true, host: null, hostSource: null }));
      await nameHosts(outbound, { hostsFile: join(dir, 'hosts'), dnsNames: ['example.com'], lookups: false, deadlineMs: 100 });
      expect(outbound.map((c) => [c.host, c.hostSource])).toEqual([
        ['db.internal', 'hosts'],
        [null, null],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
