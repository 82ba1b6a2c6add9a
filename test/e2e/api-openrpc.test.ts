// The published API is the served API: the OpenRPC document a real daemon returns from
// rpc.discover (and `nono api schema` prints) is valid OpenRPC, lists exactly the methods the
// daemon registers with the very schemas it validates params with, and documents every
// notification with the calls that start it and how it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { openrpcDocument } from '@open-rpc/meta-schema';
import { connect, type NonoClient } from '@nono/client';
import { METHODS, NOTIFICATIONS, type OpenRpcDocument } from '@nono/shared';
import { createDispatcher } from '../../daemon/src/rpc/dispatcher.js';
import { METHOD_TABLE } from '../../daemon/src/methods/method-table.js';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { runCli } from '../support/run-cli.js';

/**
 * The OpenRPC meta-schema describes schemas by reference to https://meta.json-schema.tools,
 * the JSON Schema draft-07 meta-schema published by the same project; it is not on npm here,
 * so ajv's bundled draft-07 meta-schema is registered under that id. Formats (uri, email) are
 * not checked: the document has no such fields apart from the server URL.
 */
function openRpcValidators(): { document: ValidateFunction; method: ValidateFunction } {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const { $id: _id, $schema: _schema, ...draft7 } = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json') as Record<string, any>;
  ajv.addSchema({ ...draft7, $id: 'https://meta.json-schema.tools/', definitions: { ...draft7.definitions, JSONSchemaObject: draft7 } });
  ajv.addSchema({ $ref: 'https://meta.json-schema.tools/' }, 'https://meta.json-schema.tools');
  const { $schema: _meta, ...metaSchema } = openrpcDocument as Record<string, unknown>;
  ajv.addSchema(metaSchema);
  return {
    document: ajv.getSchema('https://meta.open-rpc.org/')!,
    method: ajv.getSchema('https://meta.open-rpc.org/#/definitions/methodObject')!,
  };
}

const ctx = usePrivateDaemon();
let client: NonoClient;
let doc: OpenRpcDocument;
const validators = openRpcValidators();

beforeAll(async () => {
  client = await connect({ env: ctx.world.env, autoStart: false, clientName: 'api-openrpc.test' });
  doc = (await client.call('rpc.discover', {})) as OpenRpcDocument;
});

afterAll(() => client?.close());

describe('rpc.discover', () => {
  it('returns a document that validates against the OpenRPC meta-schema', () => {
    const valid = validators.document(doc);
    expect(validators.document.errors ?? [], JSON.stringify(validators.document.errors?.slice(0, 3))).toEqual([]);
    expect(valid).toBe(true);
    expect(doc.openrpc).toMatch(/^1\.\d+\.\d+$/);
  });

  it('is checked for real: a broken document fails the same validation', () => {
    const broken = structuredClone(doc) as any;
    broken.methods[0].params[0].schema = { type: 'text' };
    expect(validators.document(broken)).toBe(false);
    delete broken.methods[0].name;
    expect(validators.document(broken)).toBe(false);
  });

  it('lists exactly the methods the daemon registers, and nothing else', async () => {
    const published = doc.methods.map((m) => m.name).sort();
    expect(new Set(published).size).toBe(published.length);
    expect(published).toEqual(Object.keys(METHOD_TABLE).sort());
    const dispatcher = createDispatcher(METHOD_TABLE);
    for (const name of published) expect(dispatcher.hasMethod(name), name).toBe(true);
    // Against the live daemon: each is served (positional params reach its validator, which
    // refuses them), and a name not in the document is not.
    for (const name of published) {
      const error = await client.call(name as never, [] as never).then(
        () => undefined,
        (e: { kind: string }) => e,
      );
      expect(error?.kind, name).toBe('INVALID_PARAMS');
    }
    for (const name of ['session.frobnicate', 'rpc.notify', 'auth.goodbye']) {
      await expect(client.call(name as never, {} as never)).rejects.toMatchObject({ kind: 'METHOD_NOT_FOUND' });
    }
  });

  it('publishes the params schemas the daemon validates with, and who needs authentication', () => {
    for (const method of doc.methods) {
      const descriptor = METHODS[method.name as keyof typeof METHODS];
      const params = JSON.parse(JSON.stringify(descriptor.params)) as { properties?: Record<string, unknown>; required?: string[] };
      expect(Object.fromEntries(method.params.map((p) => [p.name, p.schema])), method.name).toEqual(params.properties ?? {});
      expect(method.params.filter((p) => p.required).map((p) => p.name).sort(), method.name).toEqual([...(params.required ?? [])].sort());
      expect(method.result?.schema, method.name).toEqual(JSON.parse(JSON.stringify(descriptor.result)));
      expect(method['x-requires-auth'], method.name).toBe(descriptor.auth);
      expect(method.paramStructure).toBe('by-name');
    }
    expect(doc.methods.filter((m) => !m['x-requires-auth']).map((m) => m.name)).toEqual(['auth.hello']);
  });

  it('documents every notification as an OpenRPC method object in x-notifications, with how it starts and ends', () => {
    expect(doc['x-notifications'].map((n) => n.name).sort()).toEqual(Object.keys(NOTIFICATIONS).sort());
    const methodNames = new Set(doc.methods.map((m) => m.name));
    for (const notification of doc['x-notifications']) {
      expect(validators.method(notification), `${notification.name}: ${JSON.stringify(validators.method.errors)}`).toBe(true);
      expect(notification.params.length, notification.name).toBeGreaterThan(0);
      expect(notification['x-started-by']!.length, notification.name).toBeGreaterThan(0);
      for (const starter of notification['x-started-by']!) {
        expect(methodNames.has(starter), `${notification.name} started by ${starter}`).toBe(true);
        expect(doc.methods.find((m) => m.name === starter)!['x-notifications'], starter).toContain(notification.name);
      }
      expect(notification['x-ended-by'], notification.name).toMatch(/\w/);
    }
    // Progress goes to exactly the calls that take a progressToken.
    const progress = doc['x-notifications'].find((n) => n.name === 'progress')!;
    const withToken = doc.methods.filter((m) => m.params.some((p) => p.name === 'progressToken')).map((m) => m.name);
    expect([...progress['x-started-by']!].sort()).toEqual(withToken.sort());
    // Attachments are cancelled with a method that exists.
    const output = doc['x-notifications'].find((n) => n.name === 'session.output')!;
    expect(output['x-ended-by']).toContain('session.detach');
    expect(methodNames.has('session.detach')).toBe(true);
  });

  it('tells a client where to connect and how to authenticate, and lists the error kinds', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: `unix://${ctx.world.socketPath}` })]);
    expect(doc['x-authentication']).toEqual({ method: 'auth.hello', param: 'token', secretFile: ctx.world.secretPath });
    expect(doc.info.description).toContain('auth.hello');
    expect(doc.components.errors.INVALID_PARAMS).toEqual({ code: -32602, message: expect.any(String), data: { kind: 'INVALID_PARAMS' } });
    expect(doc.components.errors.UNAUTHENTICATED!.code).toBe(-32001);
  });
});

describe('nono api schema', () => {
  it('prints the same document as rpc.discover', async () => {
    const result = await runCli(['api', 'schema'], ctx.world);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(doc);
  });

  it('nono api call runs any method by name and reports bad params naming the field', async () => {
    const listed = await runCli(['api', 'call', 'session.list', '{"all":true}'], ctx.world);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ sessions: expect.any(Array) });
    const bad = await runCli(['api', 'call', 'session.list', '{"all":"yes"}', '--json'], ctx.world);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toEqual({ error: { kind: 'INVALID_PARAMS', message: expect.stringContaining('session.list: all:') } });
    const notJson = await runCli(['api', 'call', 'session.list', '{all}', '--json'], ctx.world);
    expect(JSON.parse(notJson.stderr).error.kind).toBe('INVALID_PARAMS');
  });
});
