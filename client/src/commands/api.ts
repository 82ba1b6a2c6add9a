// `nono api schema`: the OpenRPC document of the control socket (what rpc.discover returns), for
// plugin authors and code generators. `nono api call METHOD [PARAMS]`: any method by name, its
// result as JSON, so a script can use what an editor plugin uses without writing a client.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import type { MethodName } from '@nono/shared/protocol/methods';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

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
  for (const register of [registerSchema, registerCall]) register(api);
}

const registerSchema = defineCommand({
  declare: (api) => api.command('schema').description('Print the OpenRPC document of every method and notification (rpc.discover)'),
  json: false,
  method: 'rpc.discover',
  params: () => ({}),
  render: printJson,
});

// Any method: what it returns is printed as JSON with or without --json, which only shapes errors.
const registerCall = defineCommand({
  declare: (api) =>
    api
      .command('call')
      .description('Call one method and print its result as JSON')
      .argument('<method>', 'method name, e.g. session.list (nono api schema lists them)')
      .argument('[params]', 'params as a JSON object (default {})'),
  json: 'report errors as JSON on stderr',
  work: async (client, { args: [method, text] }: CommandInput<[string, string | undefined], unknown>) => {
    printJson(await client.call(method as MethodName, parseParams(text) as never));
    return 0;
  },
});
