// A result already serialised: a method that keeps the JSON of what did not change since the
// last call (session.list's rows) hands it back as text, and the connection writes it into the
// response as it is instead of serialising the same objects again on every call.

export class RawJson {
  constructor(readonly text: string) {}
}

/** One message (or batch) as JSON text, with any RawJson result written in place. */
export function serializeMessage(payload: unknown): string {
  if (Array.isArray(payload)) return payload.some(hasRawResult) ? `[${payload.map(serializeMessage).join(',')}]` : JSON.stringify(payload);
  if (!hasRawResult(payload)) return JSON.stringify(payload);
  const { result, ...rest } = payload;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"result":${result.text}}`;
}

function hasRawResult(payload: unknown): payload is { result: RawJson } {
  return typeof payload === 'object' && payload !== null && (payload as { result?: unknown }).result instanceof RawJson;
}
