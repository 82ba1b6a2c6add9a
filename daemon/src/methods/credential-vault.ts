// credential.set/list/rm/test: the OS keychain vault of real keys. Values go in, never out.
import { NonoError } from '@nono/shared';
import { keychainVault } from '../credentials/keychain-vault.js';
import { resolveCredential } from '../credentials/credential-source.js';
import { routeNamed } from '../credentials/credential-routes.js';
import type { MethodHandler } from './method-handler.js';

// Trust and audit signing keys share the keychain; credential commands neither list nor touch them.
const RESERVED_PREFIXES = ['trust-key.', 'audit-key.'];
const isReserved = (name: string): boolean => RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix));

function refuseReserved(name: string): void {
  if (isReserved(name)) {
    throw new NonoError('INVALID_PARAMS', `${name} is one of nono's own signing keys, not a credential; trust keys are managed with nono trust`, { credential: name });
  }
}

export const credentialSet: MethodHandler<'credential.set'> = async (params) => {
  refuseReserved(params.name);
  await keychainVault.set(params.name, params.secret);
  return { name: params.name, backend: keychainVault.backend };
};

export const credentialList: MethodHandler<'credential.list'> = async () => ({
  backend: keychainVault.backend,
  names: (await keychainVault.list()).filter((name) => !isReserved(name)),
});

export const credentialRm: MethodHandler<'credential.rm'> = async (params) => {
  refuseReserved(params.name);
  const removed = await keychainVault.remove(params.name);
  if (!removed) throw new NonoError('CREDENTIAL_UNKNOWN', `no credential named ${params.name} in the keychain; nono credential list shows them`, { credential: params.name });
  return { removed };
};

export const credentialTest: MethodHandler<'credential.test'> = async (params) => {
  const fallback = routeNamed(params.name)?.defaultSource ?? `env://${params.name.toUpperCase()}`;
  const key = await resolveCredential(params.name, undefined, fallback, process.env);
  return { name: params.name, readable: true, length: key.length };
};
