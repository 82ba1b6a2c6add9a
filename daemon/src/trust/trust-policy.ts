// Loads and merges trust-policy.json. The user's policy (config dir) is the anchor; a project's
// policy (in the workdir, so writable by whoever controls the repo) may only add: includes,
// publishers and blocklist entries are unioned and enforcement is the stricter of the two.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { NonoError } from '@nono/shared';
import { isP256, keyFingerprint } from './trust-keys.js';
import { ENFORCEMENTS, firstSchemaProblem, policyKey, type Enforcement, type TrustPolicyDocument } from './trust-policy-schema.js';

export type { Enforcement } from './trust-policy-schema.js';

export const POLICY_FILE_NAME = 'trust-policy.json';
export const DEFAULT_INCLUDE: readonly string[] = ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md', 'SKILLS*.md', '.claude/**/*.md', '.cursor/rules/**'];

export interface TrustPublisher {
  name: string;
  fingerprint: string;
  /** SPKI PEM when the policy gave the key; without it the key embedded in a bundle is used, pinned by fingerprint. */
  publicKeyPem?: string;
}

export interface BlocklistEntry {
  sha256: string;
  reason?: string;
}

/** One parsed file, before merging; absent fields leave the other layer's value alone. */
export interface TrustPolicyLayer {
  file: string;
  include?: string[];
  publishers: TrustPublisher[];
  blocklist: BlocklistEntry[];
  enforcement?: Enforcement;
}

export interface TrustPolicy {
  include: string[];
  publishers: TrustPublisher[];
  blocklist: BlocklistEntry[];
  enforcement: Enforcement;
  /** The policy files that were read, user first. */
  sources: string[];
}

function lineOf(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
}

function invalid(file: string, where: string, message: string, key: string | null): NonoError {
  return new NonoError('TRUST_POLICY_INVALID', `${file}:${where} ${message}`, { file, key });
}

function checkInclude(pattern: string): string | undefined {
  if (pattern.startsWith('!')) return 'negated globs are not allowed (a policy can only add files to check)';
  if (pattern.startsWith('/') || /^[A-Za-z]:/.test(pattern)) return 'must be relative to the workdir';
  if (pattern.split('/').includes('..')) return 'must not leave the workdir (..)';
  return undefined;
}

function publicKeyOf(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.startsWith('-----BEGIN') ? createPublicKey(trimmed) : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
}

/** Returns the publisher or a phrase saying what is wrong with it. */
function publisherOf(entry: NonNullable<TrustPolicyDocument['publishers']>[number]): TrustPublisher | string {
  const pinned = entry.fingerprint?.toLowerCase();
  if (entry.public_key === undefined) return pinned ? { name: entry.name, fingerprint: pinned } : 'needs public_key or fingerprint';
  let key: KeyObject;
  try {
    key = publicKeyOf(entry.public_key);
  } catch {
    return 'public_key is not a PEM or base64 DER public key; paste the output of nono trust export-key';
  }
  if (!isP256(key)) return 'public_key is not an ECDSA P-256 key, the only kind nono signs with';
  const fingerprint = keyFingerprint(key);
  if (pinned && pinned !== fingerprint) return `fingerprint does not match public_key (the key's is ${fingerprint}); fix one of them`;
  return { name: entry.name, fingerprint, publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Parses one policy file's text; every problem names the file, the line and the key. */
export function parseTrustPolicy(text: string, file: string): TrustPolicyLayer {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const [syntax] = errors;
  if (syntax || !tree) {
    throw invalid(file, `${lineOf(text, syntax?.offset ?? 0)}:`, `${syntax ? printParseErrorCode(syntax.error) : 'empty file'} in the trust policy; fix the JSON syntax there`, null);
  }
  const at = (path: (string | number)[]): string => {
    const node = findNodeAtLocation(tree, path);
    return node ? `${lineOf(text, node.offset)}:` : '';
  };
  const document: unknown = getNodeValue(tree);
  const problem = firstSchemaProblem(document);
  if (problem) throw invalid(file, at(problem.path), `${problem.key} ${problem.message}`, problem.key);
  const policy = document as TrustPolicyDocument;

  policy.include?.forEach((pattern, i) => {
    const why = checkInclude(pattern);
    if (why) throw invalid(file, at(['include', i]), `include[${i}] "${pattern}" ${why}`, `include[${i}]`);
  });
  const publishers = (policy.publishers ?? []).map((entry, i) => {
    const publisher = publisherOf(entry);
    if (typeof publisher === 'string') throw invalid(file, at(['publishers', i]), `${policyKey(['publishers', i])} "${entry.name}" ${publisher}`, `publishers[${i}]`);
    return publisher;
  });
  return {
    file,
    include: policy.include,
    publishers,
    blocklist: (policy.blocklist ?? []).map(({ sha256, reason }) => ({ sha256: sha256.toLowerCase(), ...(reason === undefined ? {} : { reason }) })),
    enforcement: policy.enforcement,
  };
}

/** The parsed file, or undefined when it does not exist. */
export async function readTrustPolicy(file: string): Promise<TrustPolicyLayer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw invalid(file, '', `cannot be read (${code}); check its permissions`, null);
  }
  return parseTrustPolicy(text, file);
}

const strictest = (a: Enforcement, b: Enforcement): Enforcement => (ENFORCEMENTS.indexOf(a) >= ENFORCEMENTS.indexOf(b) ? a : b);

/**
 * Without a user policy the defaults apply: the default includes, no publishers, deny. A user
 * `include` replaces the default list; a project `include` only adds to whatever that gives.
 */
export function mergeTrustPolicies(user: TrustPolicyLayer | undefined, project: TrustPolicyLayer | undefined): TrustPolicy {
  const publishers = [...(user?.publishers ?? [])];
  for (const candidate of project?.publishers ?? []) {
    // A project cannot rename or re-key a user publisher: the first entry for a fingerprint wins.
    if (!publishers.some((p) => p.fingerprint === candidate.fingerprint)) publishers.push(candidate);
  }
  const blocklist = new Map<string, BlocklistEntry>();
  for (const entry of [...(user?.blocklist ?? []), ...(project?.blocklist ?? [])]) if (!blocklist.has(entry.sha256)) blocklist.set(entry.sha256, entry);
  return {
    include: [...new Set([...(user?.include ?? DEFAULT_INCLUDE), ...(project?.include ?? [])])],
    publishers,
    blocklist: [...blocklist.values()],
    enforcement: strictest(user?.enforcement ?? 'deny', project?.enforcement ?? 'audit'),
    sources: [user?.file, project?.file].filter((f): f is string => f !== undefined),
  };
}

/** The effective policy for a workdir: the user file (may be absent) merged with `<workdir>/trust-policy.json`. */
export async function loadTrustPolicy(options: { userPolicyFile: string; workdir: string }): Promise<TrustPolicy> {
  const [user, project] = await Promise.all([readTrustPolicy(options.userPolicyFile), readTrustPolicy(join(options.workdir, POLICY_FILE_NAME))]);
  return mergeTrustPolicies(user, project);
}
