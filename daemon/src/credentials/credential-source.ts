// Where a real key comes from: the OS keychain (`nono credential set NAME`, or vault://NAME),
// the environment of the run that asks (env://VAR: the shell nono was started from, sent over
// the authenticated socket; else the daemon's own), a file (file://PATH) or a command run by the daemon
// (cmd://COMMAND, op://VAULT/ITEM/FIELD, bw://ITEM; see credential-command.ts). Without a source,
// the keychain entry of the route's name, else the route's default source. The key only ever
// lives in the daemon.
import { readFileSync } from 'node:fs';
import { NonoError } from '@nono/shared';
import { keychainVault } from './keychain-vault.js';
import { commandSecrets, secretCommandFor } from './credential-command.js';

export async function resolveCredential(
  name: string,
  source: string | undefined,
  fallback: string,
  daemonEnv: NodeJS.ProcessEnv,
  runEnv: Record<string, string> = {},
): Promise<string> {
  if (source === undefined) {
    const stored = await keychainVault.get(name);
    if (stored) return stored;
    return readSource(name, fallback, daemonEnv, runEnv, true);
  }
  return readSource(name, source, daemonEnv, runEnv, false);
}

async function readSource(name: string, source: string, daemonEnv: NodeJS.ProcessEnv, runEnv: Record<string, string>, afterKeychain: boolean): Promise<string> {
  if (source.startsWith('vault://')) {
    const entry = source.slice('vault://'.length);
    const stored = await keychainVault.get(entry);
    if (stored) return stored;
    throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: no entry ${entry} in the OS keychain; store it with nono credential set ${entry}`, { credential: name });
  }
  const command = secretCommandFor(name, source);
  if (command) return commandSecrets.read(name, command, daemonEnv);
  let value: string | undefined;
  if (source.startsWith('env://')) {
    const variable = source.slice('env://'.length);
    value = runEnv[variable] ?? daemonEnv[variable];
  } else if (source.startsWith('file://')) {
    try {
      value = readFileSync(source.slice('file://'.length), 'utf8');
    } catch (error) {
      throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: cannot read ${source} (${(error as NodeJS.ErrnoException).code}); check the path`, { credential: name });
    }
  } else {
    throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: source ${source} is not vault://NAME, env://VAR, file://PATH, cmd://COMMAND, op://… or bw://ITEM`, {
      credential: name,
    });
  }
  const key = value?.trim();
  if (!key) {
    const message = afterKeychain
      ? `credential ${name}: not in the OS keychain and ${source} is empty or unset; store it with nono credential set ${name}`
      : `credential ${name}: ${source} is empty or unset; export it in the shell you run nono from (or set the file), or name another source`;
    throw new NonoError('CREDENTIAL_UNAVAILABLE', message, { credential: name });
  }
  return key;
}
