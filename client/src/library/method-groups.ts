// Every daemon method as a typed function, grouped by area: `client.methods.session.list()`.
// The parameter and result types are inferred from the shared TypeBox schemas, so the library
// cannot disagree with what the daemon validates. At run time the groups are proxies that turn
// `area.verb` into the method name: loading the schemas themselves cost every CLI start ~15 ms.
import type { MethodName, ParamsOf, ResultOf } from '@nono/shared/protocol/methods';

type AreaOf<M> = M extends `${infer A}.${string}` ? A : never;

/** Params may be left out when the method has no required ones. */
export type MethodFunction<M extends MethodName> = {} extends ParamsOf<M>
  ? (params?: ParamsOf<M>) => Promise<ResultOf<M>>
  : (params: ParamsOf<M>) => Promise<ResultOf<M>>;

export type MethodGroups = {
  [A in AreaOf<MethodName>]: { [M in MethodName as M extends `${A}.${infer V}` ? V : never]: MethodFunction<M> };
};

export function methodGroups(call: (method: MethodName, params: object) => Promise<unknown>): MethodGroups {
  // `then` stays undefined so awaiting a group never sends a "session.then" call.
  const isName = (key: string | symbol): key is string => typeof key === 'string' && key !== 'then';
  const area = (name: string) => new Proxy({}, { get: (_target, verb) => (isName(verb) ? (params: object = {}) => call(`${name}.${verb}` as MethodName, params) : undefined) });
  return new Proxy({}, { get: (_target, name) => (isName(name) ? area(name) : undefined) }) as MethodGroups;
}
