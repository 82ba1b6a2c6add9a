// The Landlock rights each rule is applied with, decided here so the plan shows them and the
// spec encoder only writes them out. Names are the spec's (native-helper/README.md).
import type { PlanRule } from '@nono/shared';

export const READ_RIGHTS = ['read_file', 'read_dir', 'execute'];
// make_char and make_block are never granted: a root agent could mknod the disk's block
// device inside a writable grant and read the raw filesystem around every rule.
export const WRITE_RIGHTS = [
  'write_file',
  'remove_dir',
  'remove_file',
  'make_dir',
  'make_reg',
  'make_sock',
  'make_fifo',
  'make_sym',
  'refer',
  'truncate',
];

// What a write-without-delete grant withholds: removing entries and cutting files short.
const DELETE_RIGHTS = ['remove_dir', 'remove_file', 'truncate'];

// What Landlock applies on a path that is not a directory; the kernel refuses the rest there.
const FILE_RIGHTS = ['execute', 'write_file', 'read_file', 'truncate', 'ioctl_dev'];

export function rightsFor(rule: Pick<PlanRule, 'access' | 'kind' | 'noDelete'>): string[] {
  const rights: string[] = [];
  if (rule.access === 'read' || rule.access === 'readwrite') rights.push(...READ_RIGHTS);
  if (rule.access === 'write' || rule.access === 'readwrite') rights.push(...WRITE_RIGHTS.filter((right) => !rule.noDelete || !DELETE_RIGHTS.includes(right)));
  if (rule.kind === 'device') rights.push('ioctl_dev');
  const directory = rule.kind === 'dir' || rule.kind === 'skeleton';
  return directory ? rights : rights.filter((right) => FILE_RIGHTS.includes(right));
}
