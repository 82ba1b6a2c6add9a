// Does what every method needs, once: authentication, params validation against the shared
// schemas, error mapping to stable kinds. Handlers receive typed, checked params.
import { outsideFailure } from '../outside-failures.js';
import { JSONRPCServer, JSONRPCErrorException, createJSONRPCErrorResponse, type JSONRPCRequest } from 'json-rpc-2.0';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { ERROR_KINDS, METHODS, NonoError, type MethodName } from '@nono/shared';
import type { LoadHandler, MethodHandler, MethodTable } from './method-handler.js';
import { recordAuthFailure } from './auth-failure-audit.js';
import type { CallContext } from './call-context.js';

// Compiled on a method's first call: compiling all of them at start cost the idle daemon
// memory and start-up time for methods most runs never call.
const compiled = new Map<MethodName, TypeCheck<TSchema>>();
function checker(name: MethodName): TypeCheck<TSchema> {
  let check = compiled.get(name);
  if (!check) {
    check = TypeCompiler.Compile(METHODS[name].params);
    compiled.set(name, check);
  }
  return check;
}

function invalidParams(method: MethodName, params: unknown): NonoError {
  const first = checker(method).Errors(params).First();
  const error = first ? innermost(first) : undefined;
  const field = error?.path ? error.path.replace(/^\//, '').replaceAll('/', '.') : '(params)';
  const why = error ? explain(error) : 'does not match the schema';
  return new NonoError('INVALID_PARAMS', `${method}: ${field}: ${why}; see rpc.discover for the schema`, {
    method,
    field,
  });
}

/**
 * TypeBox reports a union that matched no variant at the union itself ("Expected union value");
 * the variant whose errors lie deepest is the one the caller was writing, so name its field.
 */
function innermost(error: ValueError): ValueError {
  if (error.type !== ValueErrorType.Union) return error;
  let deepest: ValueError | undefined;
  for (const variant of error.errors) {
    const first = variant.First();
    if (first && first.path.length > (deepest?.path.length ?? error.path.length)) deepest = first;
  }
  return deepest ? innermost(deepest) : error;
}

/** What was expected, in words a caller can act on: a union lists its choices. */
function explain(error: ValueError): string {
  if (error.type !== ValueErrorType.Union) return error.message;
  const choices = ((error.schema as { anyOf?: TSchema[] }).anyOf ?? []).map((variant) =>
    variant.const !== undefined ? JSON.stringify(variant.const) : String(variant.type ?? 'a value'),
  );
  const value = error.value;
  const got = value === null || ['string', 'number', 'boolean'].includes(typeof value) ? JSON.stringify(value).slice(0, 60) : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `Expected ${choices.length > 2 ? 'one of ' : ''}${choices.join(choices.length > 2 ? ', ' : ' or ')}, got ${got}`;
}

/**
 * Handlers imported on their method's first call. Calls still start in the order they arrived:
 * while an import is under way, later calls (of any method) wait behind it, so a pipelined
 * auth.hello is done before the call after it is checked, and an attach before the input after it.
 * A module that cannot be loaded (a damaged or half-upgraded install) fails its call with one line
 * naming the method; the next call of that method tries again.
 */
class HandlerLoader {
  private readonly ready = new Map<MethodName, MethodHandler<MethodName>>();
  /** Settles after every import begun so far; undefined when none is under way. */
  private queue: Promise<void> | undefined;

  constructor(private readonly table: MethodTable) {}

  /** The handler now when it is loaded and nothing is queued, else when its turn comes. */
  handler(name: MethodName): MethodHandler<MethodName> | Promise<MethodHandler<MethodName>> {
    const loaded = this.ready.get(name);
    if (loaded && !this.queue) return loaded;
    const turn = (this.queue ?? Promise.resolve()).then(() => this.ready.get(name) ?? this.load(name));
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.queue = settled;
    void settled.then(() => {
      if (this.queue === settled) this.queue = undefined;
    });
    return turn;
  }

  private async load(name: MethodName): Promise<MethodHandler<MethodName>> {
    try {
      const handler = (await (this.table[name] as LoadHandler<MethodName>)()) as MethodHandler<MethodName>;
      this.ready.set(name, handler);
      return handler;
    } catch (error) {
      // Out of file descriptors is the moment's, not the install's: named as such by the caller.
      const errno = (error as NodeJS.ErrnoException | null)?.code;
      if (errno === 'EMFILE' || errno === 'ENFILE') throw error;
      const why = String((error as Error)?.message ?? error).split('\n')[0];
      throw new NonoError('METHOD_UNAVAILABLE', `${name}: nonod could not load the code that serves it (${why}); reinstall nono and restart the daemon (nono daemon stop)`, {
        method: name,
      });
    }
  }
}

/**
 * What a call makes likely next: a client that attached types and resizes. Their code is loaded
 * and their params checker compiled once the call is answered, so the first key does not wait
 * for an import and a schema compile as well as cold code. Not after session.run, whose caller
 * is often a short command (its start is timed to the millisecond) and whose first key, if any,
 * comes from a person. A load that fails here is tried again by the call itself, as ever.
 */
const LIKELY_NEXT: Partial<Record<MethodName, MethodName[]>> = {
  'session.attach': ['session.input', 'session.resize', 'session.ready'],
};

/** Node keeps a failed import failed: a method whose code could not be read stays so. */
const UNREADABLE_CODE = 'its code could not be read, and stays unreadable to this daemon until it restarts (nono daemon stop)';

export function createDispatcher(table: MethodTable): JSONRPCServer<CallContext> {
  const server = new JSONRPCServer<CallContext>({ errorListener: () => undefined });
  const handlers = new HandlerLoader(table);
  /** Per connection: settles once every auth.hello it has sent so far has been answered. */
  const helloes = new WeakMap<CallContext, Promise<void>>();
  const prepare = (names: MethodName[]): void => {
    for (const name of names) {
      checker(name);
      const loading = handlers.handler(name);
      if (loading instanceof Promise) loading.catch(() => undefined);
    }
  };
  for (const name of Object.keys(METHODS) as MethodName[]) {
    const call = async (rawParams: unknown, ctx: CallContext): Promise<unknown> => {
      // Threat: the check comes before the load, so a connection that has not authenticated makes
      // nonod read no code and is told UNAUTHENTICATED, never how loading a handler failed. An
      // auth.hello sent before it on this connection is waited for, however slow its load.
      if (METHODS[name].auth && !ctx.authenticated) await helloes.get(ctx);
      if (METHODS[name].auth && !ctx.authenticated) {
        recordAuthFailure(ctx, `${name} before auth.hello`);
        throw new NonoError('UNAUTHENTICATED', `${name} needs an authenticated connection; call auth.hello with the daemon secret first`);
      }
      const next = handlers.handler(name);
      const handler = next instanceof Promise ? await next.catch((error: unknown) => Promise.reject(outsideFailure(error, `loading ${name}`, ctx.services.paths.stateDir, UNREADABLE_CODE))) : next;
      const params = rawParams ?? {};
      if (!checker(name).Check(params)) throw invalidParams(name, params);
      try {
        return await handler(params as never, ctx);
      } catch (error) {
        // A full disk or an unwritable state dir is the user's to fix, never "internal".
        throw outsideFailure(error, name, ctx.services.paths.stateDir);
      }
    };
    server.addMethod(name, (rawParams, ctx) => {
      const result = call(rawParams, ctx);
      if (name === 'auth.hello') {
        const settled = result.then(
          () => undefined,
          () => undefined,
        );
        helloes.set(ctx, Promise.all([helloes.get(ctx), settled]).then(() => undefined));
      }
      const next = LIKELY_NEXT[name];
      if (next) result.then(() => setImmediate(() => prepare(next)), () => undefined);
      return result as ReturnType<MethodHandler<MethodName>>;
    });
  }
  server.mapErrorToJSONRPCErrorResponse = (id, error: unknown) => {
    if (error instanceof NonoError) return createJSONRPCErrorResponse(id, error.code, error.message, error.toData());
    if (error instanceof JSONRPCErrorException) return createJSONRPCErrorResponse(id, error.code, error.message, error.data);
    return createJSONRPCErrorResponse(id, ERROR_KINDS.INTERNAL.code, 'internal error in nonod; see the daemon log (nonod.log in the state dir)', {
      kind: 'INTERNAL',
    });
  };
  server.handleMethodNotFound = async (request: JSONRPCRequest, ctx: unknown) => {
    if (request.id === undefined) return null;
    if (!(ctx as CallContext).authenticated) {
      return createJSONRPCErrorResponse(request.id, ERROR_KINDS.UNAUTHENTICATED.code, 'call auth.hello with the daemon secret first', {
        kind: 'UNAUTHENTICATED',
      });
    }
    const method = String(request.method).slice(0, 100);
    return createJSONRPCErrorResponse(request.id, ERROR_KINDS.METHOD_NOT_FOUND.code, `unknown method ${method}; rpc.discover lists the methods`, {
      kind: 'METHOD_NOT_FOUND',
      method,
    });
  };
  return server;
}
