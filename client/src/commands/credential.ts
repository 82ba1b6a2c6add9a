// `nono credential set|list|rm|test`: real keys into the OS keychain, through the daemon. A
// secret is read from a hidden prompt or from stdin, never from the command line, where ps and
// shell history would keep it.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import { bold, dim } from '../output/style.js';
import { readSecret } from '../terminal/read-secret.js';
import { defineCommand } from './define-command.js';


export function registerCredential(program: Command): void {
  const credential = program.command('credential').description('Real API keys in the OS keychain, for phantom tokens (nono run --credential NAME)');
  for (const register of [registerSet, registerList, registerRm, registerTest]) register(credential);
}

const registerSet = defineCommand({
  declare: (credential) => credential.command('set').description('Store a key (asked for without echo, or read from stdin)').argument('<name>', 'credential name, e.g. openai'),
  method: 'credential.set',
  params: async ({ args: [name] }: { args: [string] }) => {
    const secret = await readSecret(`secret for ${name}: `);
    if (secret.trim() === '') throw new NonoError('INVALID_PARAMS', `credential ${name}: the secret is empty; nothing was stored`);
    return { name, secret };
  },
  render: (result, { args: [name] }) => {
    process.stdout.write(`stored ${name} in the ${result.backend}\n`);
  },
});

const registerList = defineCommand({
  declare: (credential) => credential.command('list').description('Names of stored credentials (never their values)'),
  method: 'credential.list',
  params: () => ({}),
  render: (result) => {
    const out = process.stdout;
    for (const name of result.names) out.write(`${bold(out, name)}  ${dim(out, result.backend)}\n`);
    if (result.names.length === 0) out.write(`${dim(out, 'no credentials; nono credential set NAME stores one')}\n`);
  },
});

const registerRm = defineCommand({
  declare: (credential) => credential.command('rm').description('Delete a stored credential').argument('<name>', 'credential name'),
  json: false,
  method: 'credential.rm',
  params: ({ args: [name] }: { args: [string] }) => ({ name }),
  render: (_result, { args: [name] }) => {
    process.stdout.write(`removed ${name}\n`);
  },
});

const registerTest = defineCommand({
  declare: (credential) => credential.command('test').description('Check that a credential can be read now, without showing it').argument('<name>', 'credential name'),
  json: false,
  method: 'credential.test',
  params: ({ args: [name] }: { args: [string] }) => ({ name }),
  render: (result, { args: [name] }) => {
    process.stdout.write(`${name}: readable (${result.length} characters)\n`);
  },
});
