// Builds the OpenRPC document from the method and notification descriptors, so the
// published API cannot drift from what the daemon validates.
import { METHODS } from './methods.js';
import { NOTIFICATIONS } from './notifications.js';
import { ERROR_KINDS } from './errors.js';

export function buildOpenRpcDocument(version: string): Record<string, unknown> {
  const methods = Object.entries(METHODS).map(([name, d]) => ({
    name,
    summary: d.summary,
    paramStructure: 'by-name',
    params: Object.entries((d.params as { properties?: Record<string, unknown> }).properties ?? {}).map(
      ([pname, schema]) => ({
        name: pname,
        required: ((d.params as { required?: string[] }).required ?? []).includes(pname),
        schema,
      }),
    ),
    result: { name: 'result', schema: d.result },
  }));
  return {
    openrpc: '1.3.2',
    info: {
      title: 'nonod control socket',
      version,
      description:
        'JSON-RPC 2.0 over a Unix socket, LSP (Content-Length) framing, or newline-delimited JSON when the first byte is "{". Authenticate first with auth.hello.',
    },
    methods,
    'x-notifications': Object.entries(NOTIFICATIONS).map(([name, n]) => ({ name, summary: n.summary, params: n.params })),
    'x-error-kinds': Object.fromEntries(Object.entries(ERROR_KINDS).map(([k, v]) => [k, v])),
  };
}
