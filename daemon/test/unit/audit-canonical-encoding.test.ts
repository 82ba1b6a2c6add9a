// The hashed bytes, pinned: the worked example in docs/audit.md, code point key order,
// integers only, redaction by key name, and lone surrogates repaired before hashing.
import { describe, expect, it } from 'vitest';
import { canonicalPayload, GENESIS_HASH, isSecretKey, REDACTED, rowHash } from '../../src/audit/index.js';

describe('canonical encoding', () => {
  it('reproduces the worked example in docs/audit.md', () => {
    const payload = canonicalPayload({ rule: 'default deny', port: 80, host: 'evil.example' });
    expect(payload).toBe('{"host":"evil.example","port":80,"rule":"default deny"}');
    expect(rowHash(1, '2026-01-31T12:00:00.000Z', 's1', 'net.deny', payload, GENESIS_HASH)).toBe('6c4e9d14b24400a2dfd9850b75e702aa4b131d48eba2fa5eef004f535967af80');
  });

  it('sorts keys by code point at every depth and drops undefined members', () => {
    expect(canonicalPayload({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined }, '\uffff': 0, '😀': 0, é: 0, Z: 0 })).toBe(
      '{"Z":0,"a":{"d":[{"y":2,"z":1}]},"b":1,"é":0,"\uffff":0,"😀":0}',
    );
    expect(canonicalPayload({ when: new Date('2026-01-31T12:00:00Z'), list: [undefined, null] })).toBe('{"list":[null,null],"when":"2026-01-31T12:00:00.000Z"}');
  });

  it('takes safe integers only, and objects at the top', () => {
    expect(canonicalPayload({ n: -0, big: 9007199254740991 })).toBe('{"big":9007199254740991,"n":0}');
    for (const bad of [0.5, 1e21, Number.NaN, Infinity, 2 ** 53]) expect(() => canonicalPayload({ n: bad })).toThrow(/payload.n is .*not a safe integer/);
    expect(() => canonicalPayload({ n: 1n })).toThrow(/payload.n is a bigint/);
    expect(() => canonicalPayload([1])).toThrow(/payload is not an object/);
    expect(() => canonicalPayload({ ['bad\ud800']: 1 })).toThrow(/lone surrogate/);
  });

  it('replaces lone surrogates in values with U+FFFD', () => {
    expect(canonicalPayload({ s: 'a\udc00b😀' })).toBe('{"s":"a\ufffdb😀"}');
  });

  it('treats secret-looking key names as secrets whatever their case or separator', () => {
    for (const key of ['token', 'access_token', 'clientSecret', 'PASSWORD', 'passwd', 'Authorization', 'api_key', 'X-Api-Key', 'apikey', 'key_value', 'private_key']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['route', 'host', 'keyboard', 'monkey', 'author']) expect(isSecretKey(key), key).toBe(false);
    expect(canonicalPayload({ auth: { Token: { nested: 'x' } } })).toBe(`{"auth":{"Token":"${REDACTED}"}}`);
  });
});
