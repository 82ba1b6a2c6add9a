// trust.keygen and trust.exportKey: signing keys live in the keychain, only public halves leave it.
import { mkdir, readFile } from 'node:fs/promises';
import { keychainVault } from '../credentials/keychain-vault.js';
import { writeFileDurably } from '../snapshots/durable-files.js';
import { TrustKeyStore } from '../trust/trust-keys.js';
import { userTrustPolicyFile } from '../trust/run-gate.js';
import { readTrustPolicy } from '../trust/trust-policy.js';
import type { MethodHandler } from './method-handler.js';

const keys = new TrustKeyStore(keychainVault);

export const trustKeygen: MethodHandler<'trust.keygen'> = async (params, ctx) => {
  const policyFile = userTrustPolicyFile(ctx.services.paths.configDir);
  // A broken policy is reported before a key is made for it.
  const existing = await readTrustPolicy(policyFile);
  const key = await keys.generate(params.id);
  if (existing) {
    // The user's own set-up: only --enforce changes it, and only its enforcement.
    if (!params.enforce) return { ...key, policyCreated: null, enforcement: existing.enforcement ?? 'deny' };
    const policy = JSON.parse(await readFile(policyFile, 'utf8')) as Record<string, unknown>;
    await writeFileDurably(policyFile, `${JSON.stringify({ ...policy, enforcement: 'deny' }, null, 2)}\n`);
    return { ...key, policyCreated: policyFile, enforcement: 'deny' };
  }
  // A first key with no policy yet: the user is setting trust up, so make their key the
  // publisher rather than leave a policy that trusts nobody. Refusing every repository with an
  // unsigned CLAUDE.md is their choice to make (--enforce), not a side effect of making a key.
  await mkdir(ctx.services.paths.configDir, { recursive: true, mode: 0o700 });
  const enforcement = params.enforce ? 'deny' : 'warn';
  const policy = { version: 1, publishers: [{ name: key.id, public_key: key.publicKeyPem }], enforcement };
  await writeFileDurably(policyFile, `${JSON.stringify(policy, null, 2)}\n`);
  return { ...key, policyCreated: policyFile, enforcement };
};

export const trustExportKey: MethodHandler<'trust.exportKey'> = async (params) => keys.publicKey(params.id);

export const trustKeyStore = keys;
