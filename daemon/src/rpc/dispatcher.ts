// Does what every method needs, once: authentication, params validation against the shared
// schemas, error mapping to stable kinds. Handlers receive typed, checked params.
import { JSONRPCServer, JSONRPCErrorException, createJSONRPCErrorResponse, type JSONRPCRequest } from 'json-rpc-2.0';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ERROR_KINDS, METHODS, NonoError, type MethodName } from '@nono/shared';
import { METHOD_TABLE, type MethodHandler } from '../methods/method-table.js';
import { recordAuthFailure } from './auth-failure-audit.js';
import type { CallContext } from './call-context.js';

const checkers = new Map<MethodName, TypeCheck<TSchema>>(
  (Object.keys(METHODS) as MethodName[]).map((name) => [name, TypeCompiler.Compile(METHODS[name].params)]),
);

function invalidParams(method: MethodName, params: unknown): NonoError {
  const first = checkers.get(method)!.Errors(params).First();
  const field = first?.path ? first.path.replace(/^\//, '').replaceAll('/', '.') : '(params)';
  const why = first ? first.message : 'does not match the schema';
  return new NonoError('INVALID_PARAMS', `${method}: ${field}: ${why}; see rpc.discover for the schema`, {
    method,
    field,
  });
}

export function createDispatcher(): JSONRPCServer<CallContext> {
  const server = new JSONRPCServer<CallContext>({ errorListener: () => undefined });
  for (const name of Object.keys(METHODS) as MethodName[]) {
    const handler = METHOD_TABLE[name] as MethodHandler<MethodName>;
    server.addMethod(name, async (rawParams, ctx) => {
      if (METHODS[name].auth && !ctx.authenticated) {
        recordAuthFailure(ctx, `${name} before auth.hello`);
        throw new NonoError('UNAUTHENTICATED', `${name} needs an authenticated connection; call auth.hello with the daemon secret first`);
      }
      const params = rawParams ?? {};
      if (!checkers.get(name)!.Check(params)) throw invalidParams(name, params);
      return handler(params as never, ctx);
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
