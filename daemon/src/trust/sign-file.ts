// `nono trust sign FILE`: hashes the file, wraps its name and digest in an in-toto Statement,
// signs that as a DSSE envelope and writes the `FILE.bundle` sidecar beside it.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NonoError } from '@nono/shared';
import { signEnvelope } from './dsse-envelope.js';
import { INTOTO_PAYLOAD_TYPE, instructionStatement, subjectDigest, subjectName } from './intoto-statement.js';
import { BUNDLE_MEDIA_TYPE, BUNDLE_SUFFIX, bundlePathFor, writeBundle } from './signature-bundle.js';
import type { TrustSigningKey } from './trust-keys.js';

export interface SignResult {
  /** The subject name: workdir-relative, `/` separators. */
  file: string;
  bundlePath: string;
  sha256: string;
  fingerprint: string;
}

/** `file` is absolute or relative to `workdir`, and must lie inside it. */
export async function signInstructionFile(workdir: string, file: string, key: TrustSigningKey, now: Date = new Date()): Promise<SignResult> {
  const absPath = resolve(workdir, file);
  const name = subjectName(resolve(workdir), absPath);
  if (name === undefined) throw new NonoError('INVALID_PARAMS', `${file}: not inside the workdir ${workdir}; sign files from the project they belong to`, { file });
  let content: Buffer;
  try {
    content = await readFile(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NonoError('PATH_NOT_FOUND', `${name}: no such file in ${workdir}; check the name`, { file: name });
    throw new NonoError('INVALID_PARAMS', `${name}: cannot be read (${code}); only readable regular files can be signed`, { file: name });
  }
  const sha256 = subjectDigest(content);
  const statement = instructionStatement(name, sha256, {
    signed_at: now.toISOString(),
    key_fingerprint: key.fingerprint,
    public_key: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  });
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key.privateKey, key.fingerprint);
  const bundlePath = bundlePathFor(absPath);
  try {
    await writeBundle(bundlePath, { mediaType: BUNDLE_MEDIA_TYPE, verificationMaterial: { publicKey: { hint: key.fingerprint } }, dsseEnvelope: envelope });
  } catch (error) {
    throw new NonoError('INVALID_PARAMS', `${name}${BUNDLE_SUFFIX}: cannot be written (${(error as NodeJS.ErrnoException).code}); make the directory writable and sign again`, { file: name });
  }
  return { file: name, bundlePath, sha256, fingerprint: key.fingerprint };
}
