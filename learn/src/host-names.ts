// Puts host names on the addresses the command connected to. strace shows DNS queries (the
// names asked for) but answers only on reads learn does not trace, so names come from
// /etc/hosts when the command read it, from looking up again the names it asked for, and
// last from reverse DNS; all lookups are bounded by one deadline and can be turned off.
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import type { OutboundConnection } from './network-summary.js';

/** address → first name, from a hosts file's text. */
function parseHostsFile(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [address, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && name && !names.has(address)) names.set(address, name);
  }
  return names;
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::';
}

export interface NamingOptions {
  /** The hosts file the command read (its contents name addresses first), or null. */
  hostsFile: string | null;
  /** Names the command asked DNS for. */
  dnsNames: string[];
  /** Whether learn may make DNS queries of its own (forward for dnsNames, then reverse). */
  lookups: boolean;
  deadlineMs: number;
}

function settleBy<T>(work: Promise<T>, ms: number, onLate: () => void): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve(undefined);
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Fills host and hostSource in place; never throws, never waits past the deadline. */
export async function nameHosts(outbound: OutboundConnection[], options: NamingOptions): Promise<void> {
  const known = new Map<string, { host: string; source: 'hosts' | 'dns' | 'rdns' }>();
  if (options.hostsFile) {
    try {
      for (const [address, host] of parseHostsFile(readFileSync(options.hostsFile, 'utf8'))) known.set(address, { host, source: 'hosts' });
    } catch {
      // Unreadable now: the names just stay unknown.
    }
  }
  const unnamed = () => outbound.filter((c) => !known.has(c.address) && !isLoopback(c.address));
  if (options.lookups && unnamed().length > 0) {
    const resolver = new Resolver({ timeout: Math.min(1000, options.deadlineMs), tries: 1 });
    await settleBy(
      (async () => {
        await Promise.all(
          options.dnsNames.map(async (name) => {
            const answers = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
            for (const answer of answers) {
              if (answer.status === 'fulfilled') for (const address of answer.value) if (!known.has(address)) known.set(address, { host: name, source: 'dns' });
            }
          }),
        );
        await Promise.all(
          [...new Set(unnamed().map((c) => c.address))].map(async (address) => {
            const [host] = await resolver.reverse(address).catch(() => []);
            if (host && !known.has(address)) known.set(address, { host, source: 'rdns' });
          }),
        );
      })(),
      options.deadlineMs,
      () => resolver.cancel(),
    );
  }
  for (const connection of outbound) {
    const name = known.get(connection.address);
    if (name) {
      connection.host = name.host;
      connection.hostSource = name.source;
    }
  }
}
