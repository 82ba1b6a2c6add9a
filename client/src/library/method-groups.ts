// Every daemon method as a typed function, grouped by area: `client.methods.session.list()`.
// The names come from the shared descriptors and the parameter and result types are inferred
// from their TypeBox schemas, so the library cannot disagree with what the daemon validates.
import { METHODS, type MethodName, type ParamsOf, type ResultOf } from '@nono/shared/protocol/methods';

type AreaOf<M> = M extends `${infer A}.${string}` ? A : never;

/** Params may be left out when the method has no required ones. */
export type MethodFunction<M extends MethodName> = {} extends ParamsOf<M>
  ? (params?: ParamsOf<M>) => Promise<ResultOf<M>>
  : (params: ParamsOf<M>) => Promise<ResultOf<M>>;

export type MethodGroups = {
  [A in AreaOf<MethodName>]: { [M in MethodName as M extends `${A}.${infer V}` ? V : never]: MethodFunction<M> };
};

export function methodGroups(call: (method: MethodName, params: object) => Promise<unknown>): MethodGroups {
  const groups: Record<string, Record<string, (params?: object) => Promise<unknown>>> = {};
  for (const name of Object.keys(METHODS) as MethodName[]) {
    const dot = name.indexOf('.');
    (groups[name.slice(0, dot)] ??= {})[name.slice(dot + 1)] = (params = {}) => call(name, params);
  }
  return groups as unknown as MethodGroups;
}
