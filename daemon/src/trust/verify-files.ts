// Decides, before the agent starts, whether each instruction file is what a trusted publisher
// signed. Threat: the workdir is attacker-controlled (a cloned repo, a previous session), so a
// bundle is evidence only once its signature verifies under a key the policy pins by fingerprint.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import { verifySignature } from './dsse-envelope.js';
import { subjectDigest } from './intoto-statement.js';
import { scanInstructionFiles } from './instruction-scan.js';
import { bundlePathFor, readBundle, type ParsedBundle } from './signature-bundle.js';
import type { Enforcement, TrustPolicy } from './trust-policy.js';

export type TrustStatus = 'signed' | 'modified' | 'unsigned' | 'unknown-signer' | 'blocklisted' | 'invalid-bundle';

export interface TrustFileResult {
  /** Workdir-relative, `/` separators. */
  path: string;
  status: TrustStatus;
  /** SHA-256 of the file as it is now. */
  sha256: string;
  /** Fingerprint of the key whose signature verified, trusted or not. */
  signer?: string;
  /** The publisher's name when the signer is one. */
  publisher?: string;
  signedAt?: string;
  /** One line (what, why, what to do) for every status but signed. */
  reason?: string;
}

export interface TrustReport {
  enforcement: Enforcement;
  /** deny: some file is not signed and enforcement is deny; the caller must not start the agent. */
  decision: 'proceed' | 'deny';
  results: TrustFileResult[];
  /** Every result that is not signed: errors under deny, warnings under warn, records under audit. */
  failures: TrustFileResult[];
  /** Absolute paths of the files that verified. */
  signedFiles: string[];
  /** What the sandbox should make read-only: signed files, their bundles and a project policy file. */
  readOnlyPaths: string[];
}

interface KnownKey {
  name: string;
  key?: KeyObject;
}

type Verified = { signer: string; publisher?: string };

/** The policy in lookup form, built once per run: publisher keys by fingerprint, blocked digests. */
interface Checks {
  keys: Map<string, KnownKey>;
  blocklist: Map<string, string | undefined>;
}

function checksFor(policy: TrustPolicy): Checks {
  const keys = new Map<string, KnownKey>();
  for (const p of policy.publishers) keys.set(p.fingerprint, { name: p.name, ...(p.publicKeyPem ? { key: createPublicKey(p.publicKeyPem) } : {}) });
  return { keys, blocklist: new Map(policy.blocklist.map((entry) => [entry.sha256, entry.reason])) };
}

/** The key embedded in the predicate, only if it is the one the signature names. */
function embeddedKey(parsed: ParsedBundle, keyid: string): KeyObject | undefined {
  try {
    const der = Buffer.from(parsed.statement.predicate.public_key, 'base64');
    if (createHash('sha256').update(der).digest('hex') !== keyid) return undefined;
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** A publisher's signature if one verifies, else any signature that verifies under its own key. */
function verifiedSigner(parsed: ParsedBundle, keys: Map<string, KnownKey>): Verified | undefined {
  const { payloadType, signatures } = parsed.bundle.dsseEnvelope;
  let untrusted: Verified | undefined;
  for (const signature of signatures) {
    const known = keys.get(signature.keyid);
    const key = known?.key ?? embeddedKey(parsed, signature.keyid);
    if (!key || !verifySignature(payloadType, parsed.payload, signature, key)) continue;
    if (known) return { signer: signature.keyid, publisher: known.name };
    untrusted ??= { signer: signature.keyid };
  }
  return untrusted;
}

async function verifyOne(workdir: string, path: string, { keys, blocklist }: Checks): Promise<TrustFileResult> {
  const absPath = join(workdir, path);
  const sha256 = subjectDigest(await readFile(absPath));
  const bundleName = bundlePathFor(path);
  let parsed: ParsedBundle | undefined;
  let broken: string | undefined;
  try {
    parsed = await readBundle(bundlePathFor(absPath), bundleName, path);
  } catch (error) {
    if (!(error instanceof NonoError) || error.kind !== 'TRUST_BUNDLE_INVALID') throw error;
    broken = error.message;
  }
  const subject = parsed?.statement.subject[0];
  const verified = parsed && subject?.name === path ? verifiedSigner(parsed, keys) : undefined;
  const base: TrustFileResult = { path, status: 'signed', sha256 };
  if (verified) Object.assign(base, verified, { signedAt: parsed!.statement.predicate.signed_at });

  if (blocklist.has(sha256)) {
    const why = blocklist.get(sha256);
    return { ...base, status: 'blocklisted', reason: `${path}: its SHA-256 ${sha256} is on the trust blocklist${why ? ` (${why})` : ''}; remove the file or replace its content` };
  }
  if (broken) return { ...base, status: 'invalid-bundle', reason: broken };
  if (!parsed || !subject) return { ...base, status: 'unsigned', reason: `${path}: has no signature bundle (${bundleName}); review it and sign it with nono trust sign ${path}, or remove it` };
  if (subject.name !== path) {
    return { ...base, status: 'invalid-bundle', reason: `${bundleName}: is the bundle of ${subject.name}, not of ${path} (copied from another file?); sign ${path} with nono trust sign ${path}` };
  }
  if (!verified) {
    return { ...base, status: 'invalid-bundle', reason: `${bundleName}: the signature does not verify (the bundle was altered or signed with another key); re-sign with nono trust sign ${path}` };
  }
  if (verified.publisher === undefined) {
    return { ...base, status: 'unknown-signer', reason: `${path}: signed by key ${verified.signer}, which is not a publisher in the trust policy; add it to publishers if you trust it, or re-sign with your key` };
  }
  if (subject.digest.sha256 !== sha256) {
    return { ...base, status: 'modified', reason: `${path}: changed since ${verified.publisher} signed it (SHA-256 ${sha256}, signed ${subject.digest.sha256}); review the change and re-sign with nono trust sign ${path}` };
  }
  return base;
}

/** Verifies every included file; paths are workdir-relative, sorted. */
export async function listTrust(workdir: string, policy: TrustPolicy): Promise<TrustFileResult[]> {
  const paths = await scanInstructionFiles(workdir, policy.include);
  const checks = checksFor(policy);
  const results = await Promise.all(
    // A file removed since the scan is not there for the agent to read either.
    paths.map((path) => verifyOne(workdir, path, checks).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))),
  );
  return results.filter((r): r is TrustFileResult => r !== undefined);
}

/** Checks one file by workdir-relative path (`/` separators), whether or not the globs include it. */
export async function verifyInstructionFile(workdir: string, path: string, policy: TrustPolicy): Promise<TrustFileResult> {
  try {
    return await verifyOne(workdir, path, checksFor(policy));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NonoError('PATH_NOT_FOUND', `${path}: no such file in ${workdir}; check the name`, { file: path });
    throw error;
  }
}

export async function verifyAll(workdir: string, policy: TrustPolicy): Promise<TrustReport> {
  const results = await listTrust(workdir, policy);
  const failures = results.filter((r) => r.status !== 'signed');
  const signedFiles = results.filter((r) => r.status === 'signed').map((r) => join(workdir, r.path));
  const projectPolicy = policy.sources.filter((source) => source.startsWith(join(workdir, '/')));
  return {
    enforcement: policy.enforcement,
    decision: policy.enforcement === 'deny' && failures.length > 0 ? 'deny' : 'proceed',
    results,
    failures,
    signedFiles,
    readOnlyPaths: [...signedFiles.flatMap((file) => [file, bundlePathFor(file)]), ...projectPolicy],
  };
}

/** The error a denied report stops the run with (the CLI exits 125 on it), naming the first file. */
export function trustDenial(report: TrustReport): NonoError | undefined {
  if (report.decision !== 'deny') return undefined;
  const [first, ...rest] = report.failures;
  const more = rest.length > 0 ? ` (${rest.length} more file${rest.length === 1 ? '' : 's'}: nono trust list shows them)` : '';
  return new NonoError('TRUST_VERIFICATION_FAILED', `${first!.reason}${more}`, {
    files: report.failures.map(({ path, status }) => ({ path, status })),
  });
}
