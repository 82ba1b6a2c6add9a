// The `FILE.bundle` sidecar: a Sigstore-style bundle (v0.3 JSON) holding one DSSE envelope, the
// shape the Rust nono writes. Reading turns every way a bundle can be broken (truncated, not
// JSON, wrong shape, undecodable payload) into one line naming the bundle; writing is atomic.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import type { DsseEnvelope } from './dsse-envelope.js';
import { INTOTO_PAYLOAD_TYPE, parseStatement, type InstructionStatement } from './intoto-statement.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_SUFFIX = '.bundle';
// A real bundle is about 1.5 KB; anything near this is not one, and is not read into memory.
const MAX_BUNDLE_BYTES = 1 << 20;

export interface SignatureBundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string } };
  dsseEnvelope: DsseEnvelope;
}

export interface ParsedBundle<Statement = InstructionStatement> {
  bundle: SignatureBundle;
  payload: Buffer;
  statement: Statement;
}

/** What a bundle's statement must be, and what to tell the user to do when a bundle is broken. */
export interface BundleKind<Statement> {
  parse(value: unknown): Statement | string;
  remedy: string;
}

export function bundlePathFor(file: string): string {
  return file + BUNDLE_SUFFIX;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `name` is how messages refer to the bundle (workdir-relative), `file` the file it signs; `kind`
 * defaults to an instruction file's bundle.
 */
export function parseBundle(text: string, name: string, file: string): ParsedBundle;
export function parseBundle<Statement>(text: string, name: string, file: string, kind: BundleKind<Statement>): ParsedBundle<Statement>;
export function parseBundle(text: string, name: string, file: string, kind: BundleKind<unknown> = { parse: parseStatement, remedy: `re-sign it with nono trust sign ${file}` }): ParsedBundle<unknown> {
  const broken = (why: string): NonoError => new NonoError('TRUST_BUNDLE_INVALID', `${name}: ${why}; ${kind.remedy}`, { file, bundle: name });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw broken(`not valid JSON, truncated or corrupt (${(error as Error).message})`);
  }
  if (!isObject(value) || value.mediaType !== BUNDLE_MEDIA_TYPE) throw broken(`not a signature bundle (mediaType must be ${BUNDLE_MEDIA_TYPE})`);
  const envelope = value.dsseEnvelope;
  if (!isObject(envelope) || typeof envelope.payload !== 'string' || typeof envelope.payloadType !== 'string' || !Array.isArray(envelope.signatures)) {
    throw broken('dsseEnvelope needs payload, payloadType and signatures');
  }
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE) throw broken(`payloadType is ${JSON.stringify(envelope.payloadType)}, not ${INTOTO_PAYLOAD_TYPE}`);
  const signatures = envelope.signatures as unknown[];
  if (signatures.length === 0 || !signatures.every((s) => isObject(s) && typeof s.keyid === 'string' && typeof s.sig === 'string' && BASE64.test(s.sig))) {
    throw broken('dsseEnvelope.signatures must hold at least one {keyid, sig} with a base64 sig');
  }
  if (!BASE64.test(envelope.payload)) throw broken('the payload is not base64');
  const payload = Buffer.from(envelope.payload, 'base64');
  let statement: unknown;
  try {
    statement = kind.parse(JSON.parse(payload.toString('utf8')));
  } catch {
    statement = 'the payload is not JSON';
  }
  if (typeof statement === 'string') throw broken(statement);
  return { bundle: value as unknown as SignatureBundle, payload, statement };
}

/** The parsed bundle, or undefined when there is none; a bundle too big or unreadable is invalid. */
export async function readBundle(path: string, name: string, file: string): Promise<ParsedBundle | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NonoError('TRUST_BUNDLE_INVALID', `${name}: cannot be read (${(error as NodeJS.ErrnoException).code}); check its permissions`, { file, bundle: name });
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_BUNDLE_BYTES) {
      throw new NonoError('TRUST_BUNDLE_INVALID', `${name}: ${size} bytes is too big for a signature bundle; delete it and re-sign ${file}`, { file, bundle: name });
    }
    return parseBundle(await handle.readFile('utf8'), name, file);
  } finally {
    await handle.close();
  }
}

/** Temp file beside the target, fsynced, renamed over it: a reader sees the old bundle or the new one. */
export async function writeBundle(path: string, bundle: SignatureBundle): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(bundle, null, 2)}\n`);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
