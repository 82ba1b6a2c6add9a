// `nono credential set|list|rm|test`: real keys into the OS keychain, through the daemon. A
// secret is read from a hidden prompt or from stdin, never from the command line, where ps and
// shell history would keep it.
import type { Command } from 'commander';
import { read } from 'read';
import { NonoError } from '@nono/shared/protocol/errors';
import { bold, dim } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

async function readSecret(name: string): Promise<string> {
  if (process.stdin.isTTY) return read({ prompt: `secret for ${name}: `, silent: true, replace: '' });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerCredential(program: Command): void {
  const credential = program.command('credential').description('Real API keys in the OS keychain, for phantom tokens (nono run --credential NAME)');
  credential
    .command('set')
    .description('Store a key (asked for without echo, or read from stdin)')
    .argument('<name>', 'credential name, e.g. openai')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const secret = await readSecret(name);
        if (secret.trim() === '') throw new NonoError('INVALID_PARAMS', `credential ${name}: the secret is empty; nothing was stored`);
        const result = await client.call('credential.set', { name, secret });
        if (options.json) printJson(result);
        else process.stdout.write(`stored ${name} in the ${result.backend}\n`);
        return 0;
      });
    });
  credential
    .command('list')
    .description('Names of stored credentials (never their values)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('credential.list', {});
        if (options.json) printJson(result);
        else {
          const out = process.stdout;
          for (const name of result.names) out.write(`${bold(out, name)}  ${dim(out, result.backend)}\n`);
          if (result.names.length === 0) out.write(`${dim(out, 'no credentials; nono credential set NAME stores one')}\n`);
        }
        return 0;
      });
    });
  credential
    .command('rm')
    .description('Delete a stored credential')
    .argument('<name>', 'credential name')
    .action(async (name: string) => {
      process.exitCode = await withDaemon(false, async (client) => {
        await client.call('credential.rm', { name });
        process.stdout.write(`removed ${name}\n`);
        return 0;
      });
    });
  credential
    .command('test')
    .description('Check that a credential can be read now, without showing it')
    .argument('<name>', 'credential name')
    .action(async (name: string) => {
      process.exitCode = await withDaemon(false, async (client) => {
        const result = await client.call('credential.test', { name });
        process.stdout.write(`${name}: readable (${result.length} characters)\n`);
        return 0;
      });
    });
}
