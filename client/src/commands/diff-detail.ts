// --stat and --patch, shared by session diff and snapshot diff.
export interface DetailFlags {
  stat?: boolean;
  patch?: boolean;
}

export function detailOption(flags: DetailFlags): 'stat' | 'patch' | undefined {
  if (flags.patch) return 'patch';
  return flags.stat ? 'stat' : undefined;
}
