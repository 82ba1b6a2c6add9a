// A result handed back already serialised is written into the response as it is, alone or in a
// batch, and every other message is serialised as before.
import { describe, expect, it } from 'vitest';
import { RawJson, serializeMessage } from '../../src/rpc/raw-json.js';

describe('serializeMessage', () => {
  it('writes a RawJson result in place, the rest of the response as JSON', () => {
    const text = serializeMessage({ jsonrpc: '2.0', id: 7, result: new RawJson('{"sessions":[{"id":"a"}]}') });
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 7, result: { sessions: [{ id: 'a' }] } });
  });

  it('does the same inside a batch, next to ordinary replies and errors', () => {
    const text = serializeMessage([
      { jsonrpc: '2.0', id: 'x"y', result: new RawJson('[1,2]') },
      { jsonrpc: '2.0', id: 2, result: { ok: true } },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no' } },
    ]);
    expect(JSON.parse(text)).toEqual([
      { jsonrpc: '2.0', id: 'x"y', result: [1, 2] },
      { jsonrpc: '2.0', id: 2, result: { ok: true } },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'no' } },
    ]);
  });

  it('serialises messages without one exactly as JSON.stringify does', () => {
    const request = { jsonrpc: '2.0', id: 1, method: 'session.list', params: { all: true } };
    expect(serializeMessage(request)).toBe(JSON.stringify(request));
    expect(serializeMessage([request])).toBe(JSON.stringify([request]));
  });
});
