// Says what each file system call did to which path: read, write, list, look, or make/remove
// an entry (which needs write on the directory, not on the file). The table of calls is the
// one place that knows each call's argument layout.
import { posix } from 'node:path';
import { Touch } from './access-ledger.js';
import { resolveAt, type ProcessState } from './process-table.js';
import { fdArg, quotedArg, type SyscallEvent } from './trace-parser.js';

export type RecordAccess = (path: string, touch: number, errno: string | null) => void;

/** What an open's flags ask for. O_PATH opens nothing; O_TMPFILE makes an entry in the directory. */
function openTouch(flags: string): number {
  if (flags.includes('O_PATH')) return Touch.META;
  if (flags.includes('O_TMPFILE')) return Touch.DIR_WRITE | Touch.WRITE;
  let touch = flags.includes('O_RDWR') ? Touch.READ | Touch.WRITE : flags.includes('O_WRONLY') ? Touch.WRITE : Touch.READ;
  if (touch === Touch.READ && flags.includes('O_DIRECTORY')) touch = Touch.LIST;
  if (flags.includes('O_TRUNC')) touch |= Touch.WRITE;
  // With O_EXCL the file is always new, so its directory needs write; without, only if it was.
  if (flags.includes('O_CREAT')) touch |= flags.includes('O_EXCL') ? Touch.ENTRY : Touch.MAY_CREATE;
  return touch;
}

/** Where a call's paths are: [dirfd arg or -1 for the cwd, path arg, what it does]. */
type Operand = readonly [dir: number, path: number, touch: number | 'open'];

const META: Operand[] = [[-1, 0, Touch.META]];
const META_AT: Operand[] = [[0, 1, Touch.META]];
const ENTRY: Operand[] = [[-1, 0, Touch.ENTRY]];
const ENTRY_AT: Operand[] = [[0, 1, Touch.ENTRY]];

const CALLS: Record<string, readonly Operand[]> = {
  open: [[-1, 0, 'open']],
  openat: [[0, 1, 'open']],
  openat2: [[0, 1, 'open']],
  creat: [[-1, 0, Touch.MAY_CREATE | Touch.WRITE]],
  stat: META,
  lstat: META,
  stat64: META,
  lstat64: META,
  newfstatat: META_AT,
  fstatat64: META_AT,
  statx: META_AT,
  access: META,
  faccessat: META_AT,
  faccessat2: META_AT,
  readlink: META,
  readlinkat: META_AT,
  chdir: META,
  execve: [[-1, 0, Touch.READ]],
  execveat: [[0, 1, Touch.READ]],
  mkdir: ENTRY,
  mkdirat: ENTRY_AT,
  rmdir: ENTRY,
  unlink: ENTRY,
  unlinkat: ENTRY_AT,
  rename: [[-1, 0, Touch.ENTRY], [-1, 1, Touch.ENTRY]],
  renameat: [[0, 1, Touch.ENTRY], [2, 3, Touch.ENTRY]],
  renameat2: [[0, 1, Touch.ENTRY], [2, 3, Touch.ENTRY]],
  symlink: [[-1, 1, Touch.ENTRY]],
  symlinkat: [[1, 2, Touch.ENTRY]],
  link: [[-1, 0, Touch.META], [-1, 1, Touch.ENTRY]],
  linkat: [[0, 1, Touch.META], [2, 3, Touch.ENTRY]],
  truncate: [[-1, 0, Touch.WRITE]],
  truncate64: [[-1, 0, Touch.WRITE]],
  chmod: [[-1, 0, Touch.WRITE]],
  fchmodat: [[0, 1, Touch.WRITE]],
};

function flagsArg(event: SyscallEvent): string {
  const flags = event.name === 'open' ? event.args[1] : event.args[2];
  if (flags === undefined) return '';
  // openat2 passes a struct: {flags=O_RDONLY|O_CLOEXEC, resolve=…}
  return event.name === 'openat2' ? (/flags=([^,}]*)/.exec(flags)?.[1] ?? '') : flags;
}

/**
 * Records every path the call touched and returns the last one (the path chdir or open
 * named). Calls on an fd alone (fstat, AT_EMPTY_PATH) add nothing.
 */
export function classifyFileCall(event: SyscallEvent, state: ProcessState, record: RecordAccess): string | null {
  const operands = CALLS[event.name];
  let last: string | null = null;
  if (!operands) return last;
  for (const [dirIndex, pathIndex, what] of operands) {
    const raw = quotedArg(event.args[pathIndex]);
    if (raw === null || raw.value === '' || raw.truncated) continue;
    const dir = dirIndex < 0 ? null : fdArg(event.args[dirIndex]);
    const path = resolveAt(state, dir, raw.value);
    if (path === null) continue;
    record(path, what === 'open' ? openTouch(flagsArg(event)) : what, event.errno);
    last = path;
  }
  return last;
}

/** A unix socket bound to a path makes an entry there, like creating a file. */
export function classifyUnixBind(event: SyscallEvent, state: ProcessState, record: RecordAccess): void {
  const address = event.args[1] ?? '';
  const at = address.indexOf('sun_path="');
  if (!address.includes('AF_UNIX') || at < 0) return;
  const raw = quotedArg(address.slice(at + 9, address.lastIndexOf('"') + 1));
  if (!raw || raw.value === '') return;
  const path = resolveAt(state, null, raw.value);
  if (path !== null) record(posix.normalize(path), Touch.ENTRY, event.errno);
}
