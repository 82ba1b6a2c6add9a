// The bytes each row's hash covers, written out once so the log, its verifier and the Python
// verifier in docs/ agree to the byte: JSON with keys sorted by code point, no whitespace,
// safe integers only. Secret-looking keys are redacted here, on the way in, as defence in
// depth: callers are supposed to never pass a secret at all.
import { hash } from 'node:crypto';
import { NonoError } from '@nono/shared';

export const GENESIS_HASH = '0'.repeat(64);
export const REDACTED = '[redacted]';

const SECRET_KEY = /secret|token|passw(?:or)?d|authorization|api[-_]?key|key[-_]?value|private[-_]?key/i;
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Code point order (the order of UTF-8 bytes, and Python's), not JavaScript's UTF-16 order:
 * the two differ when a surrogate pair meets a character in U+E000–U+FFFF.
 */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** A lone surrogate has no UTF-8 encoding, so it becomes U+FFFD before anything is hashed. */
function wellFormed(value: string): string {
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATES, '\uFFFD') : value;
}

function invalid(path: string, what: string): NonoError {
  return new NonoError('INVALID_PARAMS', `audit payload ${path} is ${what}; payloads hold strings, booleans, null, safe integers, arrays and objects`, {
    field: path,
  });
}

function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(wellFormed(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Integers print the same in every language; fractions and exponents do not.
      if (!Number.isSafeInteger(value)) throw invalid(path, `${value}, not a safe integer`);
      return String(value);
    case 'object':
      break;
    default:
      throw invalid(path, `a ${typeof value}`);
  }
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return encodeValue(json.call(value), path);
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? 'null' : encodeValue(item, `${path}[${i}]`))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort(byCodePoint)) {
    const item = record[key];
    if (item === undefined) continue;
    // Repairing keys could make two of them equal, so a malformed key is refused instead.
    if (LONE_SURROGATE.test(key)) throw invalid(`${path}.${JSON.stringify(key)}`, 'a key with a lone surrogate');
    members.push(`${JSON.stringify(key)}:${isSecretKey(key) ? JSON.stringify(REDACTED) : encodeValue(item, `${path}.${key}`)}`);
  }
  return `{${members.join(',')}}`;
}

/** The payload as stored: canonical JSON text of an object, secrets redacted. */
export function canonicalPayload(payload: unknown): string {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalid('payload', 'not an object');
  }
  return encodeValue(payload, 'payload');
}

export function canonicalSession(session: string | null | undefined): string | null {
  return session == null ? null : wellFormed(session);
}

/**
 * SHA-256 (hex) of the UTF-8 bytes of `[seq,time,session,kind,payload,prev_hash]` in canonical
 * JSON. `payloadText` is already canonical, so it is spliced in rather than re-encoded.
 */
export function rowHash(seq: number, time: string, session: string | null, kind: string, payloadText: string, prevHash: string): string {
  return hashEncodedRow(seq, JSON.stringify(time), session === null ? 'null' : JSON.stringify(session), JSON.stringify(kind), payloadText, JSON.stringify(prevHash));
}

/** The same hash from fields already JSON-encoded, for the verifier, which reuses encodings across rows. */
export function hashEncodedRow(seq: number, timeJson: string, sessionJson: string, kindJson: string, payloadText: string, prevHashJson: string): string {
  return hash('sha256', `[${seq},${timeJson},${sessionJson},${kindJson},${payloadText},${prevHashJson}]`, 'hex');
}
