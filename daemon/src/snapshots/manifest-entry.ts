// What a manifest records per path, apart from the walk that reads it and the manifest file
// that stores it, so the stat cache and the Merkle tree can name it without importing either.

/** Owner of an entry; restored where the daemon is allowed to (root, or its own files). */
export interface Owner {
  uid?: number;
  gid?: number;
}

export type ManifestEntry =
  | ({ path: string; type: 'file'; hash: string; size: number; mode: number; mtime_ns: string } & Owner)
  | ({ path: string; type: 'symlink'; target: string } & Owner)
  | ({ path: string; type: 'dir'; mode: number } & Owner);

export type FileEntry = Extract<ManifestEntry, { type: 'file' }>;
