// `nono api schema`: the OpenRPC document of the control socket (what rpc.discover returns), for
// plugin authors and code generators. `nono api call METHOD [PARAMS]`: any method by name, its
// result as JSON, so a script can use what an editor plugin uses without writing a client.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import type { MethodName } from '@nono/shared/protocol/methods';
import { printJson, withDaemon } from './call-daemon.js';

function parseParams(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch (error) {
    throw new NonoError('INVALID_PARAMS', `params are not JSON (${(error as Error).message}); give one object, e.g. '{"all":true}'`);
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new NonoError('INVALID_PARAMS', 'params must be a JSON object (the methods take their params by name)');
  }
  return params as Record<string, unknown>;
}

export function registerApi(program: Command): void {
  const api = program.command('api').description('The JSON-RPC API of the control socket, which editors and scripts use (docs/api.md)');
  api
    .command('schema')
    .description('Print the OpenRPC document of every method and notification (rpc.discover)')
    .action(async () => {
      process.exitCode = await withDaemon(false, async (client) => {
        printJson(await client.call('rpc.discover', {}));
        return 0;
      });
    });
  api
    .command('call')
    .description('Call one method and print its result as JSON')
    .argument('<method>', 'method name, e.g. session.list (nono api schema lists them)')
    .argument('[params]', 'params as a JSON object (default {})')
    .option('--json', 'report errors as JSON on stderr')
    .action(async (method: string, text: string | undefined, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        printJson(await client.call(method as MethodName, parseParams(text) as never));
        return 0;
      });
    });
}
