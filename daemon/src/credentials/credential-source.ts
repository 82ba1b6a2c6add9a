// Where a real key comes from: the OS keychain (`nono credential set NAME`, or vault://NAME),
// the daemon's own environment (env://VAR) or a file (file://PATH). Without a source, the
// keychain entry of the route's name, else the route's usual variable in the daemon's
// environment. The key only ever lives in the daemon.
import { readFileSync } from 'node:fs';
import { NonoError } from '@nono/shared';
import { keychainVault } from './keychain-vault.js';

export async function resolveCredential(name: string, source: string | undefined, fallback: string, daemonEnv: NodeJS.ProcessEnv): Promise<string> {
  if (source?.startsWith('vault://') || source === undefined) {
    const entry = source ? source.slice('vault://'.length) : name;
    const stored = await keychainVault.get(entry);
    if (stored) return stored;
    if (source) {
      throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: no entry ${entry} in the OS keychain; store it with nono credential set ${entry}`, { credential: name });
    }
    return readCredential(name, fallback, daemonEnv);
  }
  return readCredential(name, source, daemonEnv);
}

function readCredential(name: string, source: string, daemonEnv: NodeJS.ProcessEnv): string {
  let value: string | undefined;
  if (source.startsWith('env://')) {
    value = daemonEnv[source.slice('env://'.length)];
  } else if (source.startsWith('file://')) {
    try {
      value = readFileSync(source.slice('file://'.length), 'utf8');
    } catch (error) {
      throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: cannot read ${source} (${(error as NodeJS.ErrnoException).code}); check the path`, { credential: name });
    }
  } else {
    throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: source ${source} is not env://VAR or file://PATH`, { credential: name });
  }
  const key = value?.trim();
  if (!key) {
    throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: not in the OS keychain and ${source} is empty or unset; store it with nono credential set ${name}`, {
      credential: name,
    });
  }
  return key;
}
