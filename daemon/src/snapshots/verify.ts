// Proves a snapshot can still be restored: every object it names is present and still hashes
// to its name, and the entries still add up to the recorded root.
import { computeRoot, type Manifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface VerifyProblem {
  hash: string;
  path: string;
  state: 'corrupt' | 'missing';
}

export interface VerifyReport {
  ok: boolean;
  rootMatches: boolean;
  problems: VerifyProblem[];
}

export async function verifySnapshot(store: ObjectStore, manifest: Manifest, onFile?: () => void): Promise<VerifyReport> {
  const states = new Map<string, Awaited<ReturnType<ObjectStore['verify']>>>();
  const problems: VerifyProblem[] = [];
  for (const entry of manifest.entries) {
    if (entry.type !== 'file') continue;
    // Shared objects are re-hashed once but reported under every path that needs them.
    let state = states.get(entry.hash);
    if (state === undefined) {
      state = await store.verify(entry.hash);
      states.set(entry.hash, state);
    }
    if (state !== 'ok') problems.push({ hash: entry.hash, path: entry.path, state });
    onFile?.();
  }
  const rootMatches = computeRoot(manifest.entries) === manifest.root;
  return { ok: rootMatches && problems.length === 0, rootMatches, problems };
}
