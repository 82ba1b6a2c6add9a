// The Rust nono's commands that this nono spells differently or does not have: answered with the
// right spelling instead of a bare "unknown command", so a user following its docs or the
// articles finds their way. Checked before parsing, and only for words no command here claims.
import type { Command } from 'commander';

/** Leading command words → what to say; the longest match wins. */
const FOREIGN: Record<string, string> = {
  rollback: 'snapshots of a session are `nono session diff|rollback|verify [SESSION]`; all snapshots: `nono snapshot list|show|restore|verify|gc`',
  'rollback list': 'use `nono snapshot list` (or `nono ps --all` for the sessions)',
  'rollback show': 'use `nono session diff [SESSION]`',
  'rollback restore': 'use `nono session rollback [SESSION] [PATH…]` (--dry-run to preview)',
  'rollback verify': 'use `nono session verify [SESSION]`',
  'rollback cleanup': 'use `nono snapshot gc` (--dry-run to preview)',
  'session cleanup': 'use `nono prune` (or "sessions": {"prune_after_hours": N} in config.json)',
  'audit cleanup': 'audit rows are kept by "audit": {"max_days", "max_rows"} in config.json; the daemon applies it hourly',
  'trust init': 'use `nono trust keygen` (--enforce to refuse unsigned instruction files)',
  'profile promote': 'edit the profile in ~/.config/nono/profiles, or `nono profile use NAME` to make it the default',
  wrap: 'use `nono run -- COMMAND` (the sandbox always has a supervisor here: the daemon)',
  setup: 'use `nono doctor` to check this machine, and `nono daemon start` to start the daemon',
};

/** The answer for argv's leading words, when no command here has them. */
export function foreignSpelling(program: Command, args: string[]): string | undefined {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  // A word that is a command here with nothing below it (its arguments follow) is never foreign.
  let here: Command | undefined = program;
  for (const word of words) {
    here = here?.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (here !== undefined && here.commands.length === 0) return undefined;
  }
  for (let n = words.length; n > 0; n--) {
    const phrase = words.slice(0, n).join(' ');
    if (FOREIGN[phrase] !== undefined) return `nono ${phrase}: ${FOREIGN[phrase]}`;
  }
  return undefined;
}
