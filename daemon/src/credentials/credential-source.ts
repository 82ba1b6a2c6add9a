// Where a real key comes from. The OS keychain vault is still to come; until then a key is read
// from the daemon's own environment (env://VAR, captured when the daemon started) or a file
// (file://PATH). The key only ever lives in the daemon.
import { readFileSync } from 'node:fs';
import { NonoError } from '@nono/shared';

export function readCredential(name: string, source: string, daemonEnv: NodeJS.ProcessEnv): string {
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
    throw new NonoError('CREDENTIAL_UNAVAILABLE', `credential ${name}: ${source} is empty or unset in the daemon's environment; set it before the daemon starts (nono daemon stop, then run again)`, {
      credential: name,
    });
  }
  return key;
}
