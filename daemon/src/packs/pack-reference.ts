// What users type to name a pack, `NS/NAME[@VERSION]`, checked once here so every command, the
// registry layout and the install directory agree on what a valid name is. Names become path
// components on disk and in URLs, so the alphabet is small and `.`/`..` cannot occur.
// The two functions only: the whole semver package would be loaded by every daemon at start.
import semverValid from 'semver/functions/valid.js';
import semverRcompare from 'semver/functions/rcompare.js';
import { NonoError } from '@nono/shared';

export interface PackReference {
  namespace: string;
  name: string;
  /** An exact version, or undefined for "the newest". */
  version: string | undefined;
}

const PART = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isPackPart(text: string): boolean {
  return PART.test(text);
}

/** Versions name files (`VERSION.tar.gz`, the download's part file): kept well under NAME_MAX. */
const MAX_VERSION_LENGTH = 64;

export function isPackVersion(text: string): boolean {
  return text.length <= MAX_VERSION_LENGTH && semverValid(text) === text;
}

/** Parses `ns/name` or `ns/name@1.2.3`; anything else is one line saying what a name looks like. */
export function parsePackReference(text: string): PackReference {
  const at = text.lastIndexOf('@');
  const path = at > 0 ? text.slice(0, at) : text;
  const version = at > 0 ? text.slice(at + 1) : undefined;
  const parts = path.split('/');
  if (parts.length !== 2 || !parts.every(isPackPart)) {
    throw new NonoError('INVALID_PARAMS', `"${text}" is not a pack name; packs are named NAMESPACE/NAME[@VERSION] with lower-case letters, digits, - and _`, { pack: text });
  }
  if (version !== undefined && !isPackVersion(version)) {
    throw new NonoError('INVALID_PARAMS', `"${version}" in ${text} is not a version; use a semantic version such as 1.2.0`, { pack: text });
  }
  return { namespace: parts[0]!, name: parts[1]!, version };
}

export function packId(ref: { namespace: string; name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

/** A sort comparator: newer versions first, by semantic-version precedence. */
export function newerFirst(a: string, b: string): number {
  return semverRcompare(a, b);
}

export function newestFirst(versions: readonly string[]): string[] {
  return [...versions].sort(newerFirst);
}
