// The one-time spec file for PTY sessions (node-pty cannot pass an extra fd).
// Threat: the spec decides the sandbox, so it is created 0600 with O_EXCL|O_NOFOLLOW in the
// 0700 runtime dir under an unguessable name; the helper checks owner and mode, then unlinks it.
import { readdirSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createPrivateFile } from '../runtime-files.js';

const PREFIX = 'spec-';

export function writeSpecFile(runtimeDir: string, spec: Buffer): string {
  const path = join(runtimeDir, `${PREFIX}${randomBytes(12).toString('hex')}`);
  createPrivateFile(path, spec);
  return path;
}

/** The helper unlinks the file itself; this cleans up when it never got that far. */
export function removeSpecFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already consumed by the helper: the normal case.
  }
}

/**
 * Spec files a killed daemon left between writing one and its helper reading it. Called at
 * start, with the lock held: every helper of the previous daemon died with it (parent-death
 * signal), so none of these will ever be read, and nothing else removes them.
 */
export function removeStaleSpecFiles(runtimeDir: string): number {
  const stale = readdirSync(runtimeDir).filter((name) => name.startsWith(PREFIX));
  for (const name of stale) removeSpecFile(join(runtimeDir, name));
  return stale.length;
}
