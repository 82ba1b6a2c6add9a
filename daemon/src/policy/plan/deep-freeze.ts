// A sealed plan cannot be changed after compiling: what the dry run showed, the audit log
// digested and the spec encoded stay one object.
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
