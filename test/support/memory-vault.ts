// A keychain stand-in for unit tests of code that only needs the vault interface (trust keys,
// registry tokens); e2e tests use the real Secret Service instead.
import type { TrustVault } from '../../daemon/src/trust/trust-keys.js';

export function memoryVault(): TrustVault {
  const secrets = new Map<string, string>();
  return { set: async (n, s) => void secrets.set(n, s), get: async (n) => secrets.get(n), remove: async (n) => secrets.delete(n), list: async () => [...secrets.keys()] };
}
