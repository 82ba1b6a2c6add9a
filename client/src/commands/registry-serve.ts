// `nono registry serve DIR`: a read-only registry until Ctrl-C. The daemon serves it and closes
// it when this command's connection closes, so it never outlives the terminal that started it.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readSecret } from '../terminal/read-secret.js';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

interface ServeFlags {
  host?: string;
  port?: number;
  tokenStdin?: boolean;
  json?: boolean;
}

export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description('Serve a directory published with nono pack publish as a pack registry');
  registerServe(registry);
}

const registerServe = defineCommand({
  declare: (registry) =>
    registry
      .command('serve')
      .description('Serve DIR read-only over HTTP until interrupted (loopback unless --host)')
      .argument('<dir>', 'a directory nono pack publish wrote')
      .option('--host <address>', 'address to listen on', '127.0.0.1')
      .option('--port <n>', 'port (default: any free one)', (v) => Number.parseInt(v, 10))
      .option('--token-stdin', 'require a bearer token, read from stdin (or asked for on a terminal)'),
  work: async (client, { args: [dir], options }: CommandInput<[string], ServeFlags>) => {
    const token = options.tokenStdin ? (await readSecret('token clients must send: ')).trim() : undefined;
    const { url } = await client.call('registry.serve', { dir: resolve(dir), ...(options.host ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}), ...(token ? { token } : {}) });
    if (options.json) printJson({ url });
    else process.stdout.write(`serving ${resolve(dir)} at ${url} (Ctrl-C stops)\n`);
    await new Promise<void>((done) => {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => done());
    });
    return 0;
  },
});
