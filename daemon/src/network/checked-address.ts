// The proxy resolves names itself and connects to the address it checked, never to a name:
// otherwise a DNS answer that changes between check and connect (rebinding) would walk an
// allowed name into the metadata service or the LAN.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isHardDenied, isPrivate } from './address-ranges.js';
import { namesAddress, ruleFor, type HostPolicyRules, type Refusal } from './host-rules.js';
import { connectFailure, type ConnectFailure } from './connect-failure.js';

/** Allowed, refused by policy, or allowed by name but not resolvable (no rule changes that). */
export type AddressDecision = { allowed: true; address: string; family: 4 | 6 } | Refusal | ConnectFailure;

export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver (it reads /etc/hosts too), all addresses. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Fixed answers (name → address) ahead of DNS, so tests can point names at local servers; set
 * only through startDaemon's options. Names not in it go to the system resolver.
 */
export function resolverWith(fixed: Record<string, string> | undefined): Resolver {
  if (!fixed) return systemResolver;
  const table = new Map(Object.entries(fixed).map(([name, address]) => [name.toLowerCase(), address]));
  return async (host) => {
    const fixed = table.get(host.toLowerCase());
    return fixed ? [fixed] : systemResolver(host);
  };
}

export async function checkedAddress(rules: HostPolicyRules, host: string, port: number, resolve: Resolver): Promise<AddressDecision> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare);
  } catch (error) {
    return connectFailure(host, error);
  }
  if (addresses.length === 0) return connectFailure(host, Object.assign(new Error('no address'), { code: 'ENODATA' }));
  const refused: string[] = [];
  let unnamed: string | undefined;
  for (const address of addresses) {
    if (isHardDenied(address)) {
      refused.push(`${address} is link-local or a metadata address`);
    } else if (isPrivate(address) && !namesAddress(rules, address, port)) {
      refused.push(`${address} is a private or loopback address no rule names`);
      unnamed ??= address;
    } else {
      return { allowed: true, address, family: isIP(address) === 6 ? 6 : 4 };
    }
  }
  const reason = `${host} resolves only to refused addresses: ${refused.join('; ')}`;
  // Only a rule naming the private address changes this; a link-local one nothing changes.
  return unnamed ? { allowed: false, cause: 'unnamed-address', reason, suggest: ruleFor(unnamed, port) } : { allowed: false, cause: 'hard', reason };
}
