// The in-toto v1 Statement a bundle signs: which file (its workdir-relative name and SHA-256) and
// which key. The signer's public key rides in the predicate so a bundle can be checked on its own;
// whether that key is trusted is decided only by the policy's publishers, by fingerprint.
import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const INSTRUCTION_PREDICATE_TYPE = 'https://nono.sh/attestation/instruction-file/v1';

export interface InstructionPredicate {
  signed_at: string;
  key_fingerprint: string;
  /** Base64 of the signer's SPKI DER; its SHA-256 must equal key_fingerprint. */
  public_key: string;
}

export interface InstructionStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof INSTRUCTION_PREDICATE_TYPE;
  predicate: InstructionPredicate;
}

export function subjectDigest(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The subject name: the path relative to the workdir with `/` separators, or undefined when outside it. */
export function subjectName(workdir: string, absPath: string): string | undefined {
  const rel = relative(workdir, absPath);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

export function instructionStatement(name: string, sha256: string, predicate: InstructionPredicate): InstructionStatement {
  return { _type: STATEMENT_TYPE, subject: [{ name, digest: { sha256 } }], predicateType: INSTRUCTION_PREDICATE_TYPE, predicate };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the decoded payload's shape; returns the problem as a phrase, or the statement. */
export function parseStatement(value: unknown): InstructionStatement | string {
  if (!isObject(value)) return 'the payload is not a JSON object';
  if (value._type !== STATEMENT_TYPE) return `the payload is not an in-toto v1 Statement (_type ${JSON.stringify(value._type)})`;
  if (value.predicateType !== INSTRUCTION_PREDICATE_TYPE) return `the predicate type ${JSON.stringify(value.predicateType)} is not ${INSTRUCTION_PREDICATE_TYPE}`;
  const subjects = value.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1) return 'the statement must name exactly one subject';
  const [subject] = subjects as unknown[];
  if (!isObject(subject) || typeof subject.name !== 'string' || !isObject(subject.digest) || typeof subject.digest.sha256 !== 'string' || !HEX64.test(subject.digest.sha256)) {
    return 'the subject needs a name and a lower-case hex sha256 digest';
  }
  const predicate = value.predicate;
  if (!isObject(predicate) || typeof predicate.signed_at !== 'string' || typeof predicate.key_fingerprint !== 'string' || typeof predicate.public_key !== 'string') {
    return 'the predicate needs signed_at, key_fingerprint and public_key';
  }
  return value as unknown as InstructionStatement;
}
