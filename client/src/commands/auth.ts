// `nono auth login|logout|status`: access to pack registries. The token is asked for without
// echo (or read from stdin) and handed to the daemon, which keeps it in the keychain only.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import { bold, dim } from '../output/style.js';
import { readSecret } from '../terminal/read-secret.js';
import { defineCommand } from './define-command.js';

export function registerAuth(program: Command): void {
  const auth = program.command('auth').description('Log in to pack registries (tokens are kept in the OS keychain)');
  for (const register of [registerLogin, registerLogout, registerStatus]) register(auth);
}

const registerLogin = defineCommand({
  declare: (auth) => auth.command('login').description("Store a registry's access token (asked for without echo, or read from stdin)").argument('<url>', "the registry's base URL"),
  method: 'registry.login',
  params: async ({ args: [url] }: { args: [string] }) => {
    const token = (await readSecret(`token for ${url}: `)).trim();
    if (token === '') throw new NonoError('INVALID_PARAMS', `${url}: the token is empty; nothing was stored`);
    return { url, token };
  },
  render: (result) => {
    process.stdout.write(`logged in to ${result.url}${result.default ? ' (the default registry for nono pull)' : ''}\n`);
  },
});

const registerLogout = defineCommand({
  declare: (auth) => auth.command('logout').description("Forget a registry's token").argument('<url>', "the registry's base URL"),
  method: 'registry.logout',
  params: ({ args: [url] }: { args: [string] }) => ({ url }),
  render: (result) => {
    process.stdout.write(result.removed ? `logged out of ${result.url}\n` : `${result.url}: was not logged in\n`);
  },
});

const registerStatus = defineCommand({
  declare: (auth) => auth.command('status').description('The registries nono knows, which is the default and which hold a token'),
  method: 'registry.status',
  params: () => ({}),
  render: (result) => {
    const out = process.stdout;
    for (const r of result.registries) out.write(`${bold(out, r.url)}  ${r.loggedIn ? 'logged in' : dim(out, 'no token')}${r.default ? dim(out, '  default') : ''}\n`);
    if (result.registries.length === 0) out.write(`${dim(out, 'no registries; nono auth login URL adds one')}\n`);
  },
});
