// Builds the OpenRPC document from the method and notification descriptors, so the
// published API cannot drift from what the daemon validates. OpenRPC has no place for
// notifications, so they go in `x-notifications`, each shaped like an OpenRPC method object.
import type { TSchema } from '@sinclair/typebox';
import { METHODS } from './methods.js';
import { NOTIFICATIONS, type NotificationDescriptor } from './notifications.js';
import { ERROR_KINDS } from './errors.js';

export const OPENRPC_VERSION = '1.3.2';

export interface ContentDescriptor {
  name: string;
  description?: string;
  required?: boolean;
  schema: unknown;
}

export interface OpenRpcMethod {
  name: string;
  summary: string;
  paramStructure: 'by-name';
  params: ContentDescriptor[];
  result?: ContentDescriptor;
  /** false only for auth.hello: every other method needs an authenticated connection. */
  'x-requires-auth'?: boolean;
  /** Notifications this connection receives after calling the method. */
  'x-notifications'?: string[];
  /** For a notification: the calls that start it, and how it ends or is cancelled. */
  'x-started-by'?: string[];
  'x-ended-by'?: string;
}

export interface OpenRpcDocument {
  openrpc: string;
  info: { title: string; version: string; description: string };
  servers?: { name: string; url: string; summary: string }[];
  methods: OpenRpcMethod[];
  components: { errors: Record<string, { code: number; message: string; data: { kind: string } }> };
  'x-notifications': OpenRpcMethod[];
  'x-authentication': { method: 'auth.hello'; param: 'token'; secretFile: string };
  'x-framing': string[];
}

export interface OpenRpcOptions {
  /** The socket the document is served on; names the server and the secret file beside it. */
  socketPath?: string;
  secretPath?: string;
}

const DESCRIPTION = `JSON-RPC 2.0 over the daemon's Unix socket, framed as the LSP base protocol (Content-Length header) or, when a connection's first byte is "{", as newline-delimited JSON.

Authenticate first: read the file "secret" in the runtime directory, beside the socket (mode 0600, written anew at every daemon start), and call auth.hello with {"token": <its contents, trimmed>}. Until then every other call fails with error.data.kind UNAUTHENTICATED.

Errors carry error.data.kind, a stable word listed under components.errors; INVALID_PARAMS also names the offending field in error.data.field. Streams (terminal output, progress) are notifications, listed under x-notifications with the calls that start them and how to cancel them.`;

/** One content descriptor per top-level property of a TypeBox object schema. */
function contentDescriptors(schema: TSchema): ContentDescriptor[] {
  const object = schema as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    ...(property.description ? { description: property.description } : {}),
    required: (object.required ?? []).includes(name),
    schema: property,
  }));
}

function startedBy(method: string): string[] {
  return Object.entries(NOTIFICATIONS as Record<string, NotificationDescriptor>)
    .filter(([, n]) => n.startedBy.includes(method))
    .map(([name]) => name);
}

export function buildOpenRpcDocument(version: string, options: OpenRpcOptions = {}): OpenRpcDocument {
  const methods = Object.entries(METHODS).map(([name, d]): OpenRpcMethod => {
    const notifications = startedBy(name);
    return {
      name,
      summary: d.summary,
      paramStructure: 'by-name',
      params: contentDescriptors(d.params),
      result: { name: 'result', schema: d.result },
      'x-requires-auth': d.auth,
      ...(notifications.length > 0 ? { 'x-notifications': notifications } : {}),
    };
  });
  const notifications = Object.entries(NOTIFICATIONS as Record<string, NotificationDescriptor>).map(
    ([name, n]): OpenRpcMethod => ({
      name,
      summary: n.summary,
      paramStructure: 'by-name',
      params: contentDescriptors(n.params),
      'x-started-by': [...n.startedBy],
      'x-ended-by': n.endedBy,
    }),
  );
  const document: OpenRpcDocument = {
    openrpc: OPENRPC_VERSION,
    info: { title: 'nonod control socket', version, description: DESCRIPTION },
    ...(options.socketPath
      ? { servers: [{ name: 'nonod', url: `unix://${options.socketPath}`, summary: 'This daemon, for the user who runs it' }] }
      : {}),
    methods,
    components: {
      errors: Object.fromEntries(
        Object.entries(ERROR_KINDS).map(([kind, info]) => [kind, { code: info.code, message: info.summary, data: { kind } }]),
      ),
    },
    'x-notifications': notifications,
    'x-authentication': { method: 'auth.hello', param: 'token', secretFile: options.secretPath ?? '$XDG_RUNTIME_DIR/nono/secret (or /tmp/nono-$UID/secret)' },
    'x-framing': ['lsp', 'ndjson'],
  };
  // A plain JSON value: no TypeBox symbols, and nothing shared with the validators' schemas.
  return JSON.parse(JSON.stringify(document)) as OpenRpcDocument;
}
