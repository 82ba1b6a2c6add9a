// Collects where the traced command connected, what it listened on, which unix sockets it
// used and which host names it asked DNS for, from connect/bind/listen/send* calls and the
// socket addresses strace -yy writes next to each fd.
import { resolveAt, type ProcessState } from './process-table.js';
import { fdArg, quotedArg, quotedBuffers, type SyscallEvent } from './trace-parser.js';

/** The name a DNS query packet asks for; null for responses, reverse (.arpa) lookups and garbage. */
export function dnsQueryName(packet: Buffer): string | null {
  if (packet.length < 17 || (packet[2]! & 0x80) !== 0 || packet.readUInt16BE(4) === 0) return null;
  const labels: string[] = [];
  let i = 12;
  for (let length = packet[i]; length !== 0; length = packet[i]) {
    if (length === undefined || length > 63 || i + 1 + length > packet.length) return null;
    labels.push(packet.toString('latin1', i + 1, i + 1 + length));
    i += 1 + length;
  }
  const name = labels.join('.').toLowerCase();
  return name === '' || name.endsWith('.arpa') || !/^[a-z0-9._-]+$/.test(name) ? null : name;
}

export type Protocol = 'tcp' | 'udp' | 'other';

export interface OutboundConnection {
  protocol: Protocol;
  address: string;
  port: number;
  /** Calls that tried this destination (connect, or send with an address). */
  count: number;
  /** Whether any attempt got through (or was under way, EINPROGRESS). */
  connected: boolean;
  host: string | null;
  /** Where the name came from: /etc/hosts (read by the command), its own DNS lookups, reverse DNS. */
  hostSource: 'hosts' | 'dns' | 'rdns' | null;
}

export interface ListeningPort {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

export interface NetworkObservations {
  outbound: OutboundConnection[];
  listening: ListeningPort[];
  /** Unix socket paths the command connected to. */
  unixSockets: string[];
  /** Host names the command looked up, from the DNS queries it sent. */
  dnsNames: string[];
}

interface SocketAddress {
  family: 'inet' | 'unix';
  address: string;
  port: number;
}

/** IPv4 in IPv6 clothing (::ffff:1.2.3.4, dual-stack sockets) is the IPv4 address. */
function plainAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** A sockaddr as strace prints it, or null for families learn does not report (netlink, …). */
function parseSockaddr(text: string): SocketAddress | null {
  if (text.includes('sa_family=AF_INET6')) {
    const address = /inet_pton\(AF_INET6, "([^"]*)"/.exec(text)?.[1];
    const port = /sin6_port=htons\((\d+)\)/.exec(text)?.[1];
    return address && port ? { family: 'inet', address: plainAddress(address), port: Number(port) } : null;
  }
  if (text.includes('sa_family=AF_INET')) {
    const address = /sin_addr=inet_addr\("([^"]*)"\)/.exec(text)?.[1];
    const port = /sin_port=htons\((\d+)\)/.exec(text)?.[1];
    return address && port ? { family: 'inet', address, port: Number(port) } : null;
  }
  const at = text.indexOf('sun_path="');
  if (text.includes('sa_family=AF_UNIX') && at >= 0) {
    const path = quotedArg(text.slice(at + 9));
    return path && path.value !== '' ? { family: 'unix', address: path.value, port: 0 } : null;
  }
  return null;
}

function protocolOf(annotation: string | null): Protocol {
  if (annotation?.startsWith('TCP')) return 'tcp';
  if (annotation?.startsWith('UDP')) return 'udp';
  return 'other';
}

/** The local or peer end of a socket annotation (`TCP:[1.2.3.4:5->[::1]:80]`). */
function annotatedEnd(annotation: string, end: 'local' | 'peer'): { address: string; port: number } | null {
  const open = annotation.indexOf('[');
  const close = annotation.lastIndexOf(']');
  if (open < 0 || close < open) return null;
  const inner = annotation.slice(open + 1, close);
  const arrow = inner.indexOf('->');
  const text = end === 'local' ? (arrow < 0 ? inner : inner.slice(0, arrow)) : arrow < 0 ? '' : inner.slice(arrow + 2);
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port)) return null;
  return { address: plainAddress(text.slice(0, colon).replace(/^\[|\]$/g, '')), port };
}

export class NetworkCollector {
  private readonly outbound = new Map<string, OutboundConnection>();
  private readonly listening = new Map<string, ListeningPort>();
  private readonly unixSockets = new Set<string>();
  private readonly dnsNames = new Set<string>();

  observe(event: SyscallEvent, state: ProcessState): void {
    const socket = fdArg(event.args[0]).annotation;
    const ok = event.errno === null || event.errno === 'EINPROGRESS';
    switch (event.name) {
      case 'connect':
        this.connect(socket, parseSockaddr(event.args[1] ?? ''), ok, state);
        return;
      case 'sendto':
        this.send(socket, event.args[4] ?? '', event.args[1] ?? '', ok);
        return;
      case 'sendmsg':
      case 'sendmmsg':
        this.send(socket, event.args[1] ?? '', event.args[1] ?? '', ok);
        return;
      case 'bind': {
        const bound = parseSockaddr(event.args[1] ?? '');
        if (ok && bound?.family === 'inet' && bound.port !== 0 && protocolOf(socket) === 'udp') this.listen('udp', bound);
        return;
      }
      case 'listen': {
        const local = socket ? annotatedEnd(socket, 'local') : null;
        if (ok && local && protocolOf(socket) === 'tcp') this.listen('tcp', local);
        return;
      }
    }
  }

  private connect(socket: string | null, to: SocketAddress | null, ok: boolean, state: ProcessState): void {
    if (to?.family === 'unix') {
      // Abstract sockets (@name) live in the network namespace, not on the file system.
      if (ok && !to.address.startsWith('@')) this.unixSockets.add(resolveAt(state, null, to.address) ?? to.address);
      return;
    }
    if (to) this.attempt(protocolOf(socket), to, ok);
  }

  /** A send with an address is an outbound attempt; one to port 53 over UDP is a DNS query. */
  private send(socket: string | null, addressText: string, payload: string, ok: boolean): void {
    const to = addressText.includes('sa_family=') ? parseSockaddr(addressText.slice(addressText.indexOf('sa_family='))) : null;
    if (to?.family === 'inet') this.attempt(protocolOf(socket), to, ok);
    const peer = socket ? annotatedEnd(socket, 'peer') : null;
    if ((to?.port ?? peer?.port) !== 53 || protocolOf(socket) !== 'udp') return;
    for (const packet of quotedBuffers(payload)) {
      const name = dnsQueryName(packet);
      if (name) this.dnsNames.add(name);
    }
  }

  private attempt(protocol: Protocol, to: SocketAddress, ok: boolean): void {
    const key = `${protocol} ${to.address} ${to.port}`;
    const known = this.outbound.get(key);
    if (known) {
      known.count++;
      known.connected ||= ok;
    } else {
      this.outbound.set(key, { protocol, address: to.address, port: to.port, count: 1, connected: ok, host: null, hostSource: null });
    }
  }

  private listen(protocol: 'tcp' | 'udp', at: { address: string; port: number }): void {
    this.listening.set(`${protocol} ${at.address} ${at.port}`, { protocol, address: at.address, port: at.port });
  }

  summary(): NetworkObservations {
    const byAddress = (a: { address: string; port: number }, b: { address: string; port: number }) => a.address.localeCompare(b.address) || a.port - b.port;
    return {
      outbound: [...this.outbound.values()].sort(byAddress),
      listening: [...this.listening.values()].sort(byAddress),
      unixSockets: [...this.unixSockets].sort(),
      dnsNames: [...this.dnsNames].sort(),
    };
  }
}
