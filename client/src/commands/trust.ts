// `nono trust …`: signed instruction files, verified before the agent starts.
import type { Command } from 'commander';
import { registerTrustKeygen } from './trust-keygen.js';
import { registerTrustExportKey } from './trust-export-key.js';
import { registerTrustSign } from './trust-sign.js';
import { registerTrustList, registerTrustVerify } from './trust-verify.js';

export function registerTrust(program: Command): void {
  const trust = program.command('trust').description('Sign instruction files and verify them before agents start');
  for (const register of [registerTrustKeygen, registerTrustExportKey, registerTrustSign, registerTrustVerify, registerTrustList]) register(trust);
}
