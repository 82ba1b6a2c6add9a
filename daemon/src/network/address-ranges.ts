// Address ranges the proxy treats specially. Hard denies (cloud metadata, link-local) can never
// be reached, whatever a profile says; private and loopback ranges only when a rule names the
// address itself, because "allow example.com" must not become "allow my LAN" through DNS.
import { BlockList, isIP } from 'node:net';

const hardDenied = new BlockList();
hardDenied.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, with 169.254.169.254 metadata
hardDenied.addSubnet('fe80::', 10, 'ipv6'); // link-local
hardDenied.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
hardDenied.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": connects to the host itself

const privateRanges = new BlockList();
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('127.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT, often a VPN
privateRanges.addAddress('::1', 'ipv6');
privateRanges.addSubnet('fc00::', 7, 'ipv6'); // unique local

/** Names that resolve to metadata services inside clouds. */
export const HARD_DENIED_NAMES = ['metadata.google.internal', 'metadata.azure.internal', 'metadata', 'instance-data.ec2.internal'];

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

export function isHardDenied(address: string): boolean {
  const plain = unmapped(address);
  const kind = family(plain);
  return kind !== undefined && hardDenied.check(plain, kind);
}

export function isPrivate(address: string): boolean {
  const plain = unmapped(address);
  const kind = family(plain);
  return kind !== undefined && privateRanges.check(plain, kind);
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export function isLoopback(address: string): boolean {
  const plain = unmapped(address);
  const kind = family(plain);
  return kind !== undefined && loopback.check(plain, kind);
}

export function sameAddress(a: string, b: string): boolean {
  return unmapped(a).toLowerCase() === unmapped(b).toLowerCase();
}
