// Memorable default names (adjective-noun), as people type them into `nono attach`.
import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'brisk', 'calm', 'dapper', 'eager', 'fuzzy', 'gentle', 'hasty', 'icy', 'jolly', 'keen', 'lucid', 'mellow', 'nimble', 'odd', 'plucky', 'quiet', 'rapid', 'sunny', 'tidy', 'upbeat', 'vivid', 'witty', 'young', 'zesty'];
const NOUNS = ['otter', 'falcon', 'badger', 'heron', 'lynx', 'marmot', 'newt', 'orca', 'panda', 'quail', 'raven', 'salmon', 'tapir', 'urchin', 'viper', 'walrus', 'yak', 'zebra', 'bison', 'crane', 'dingo', 'egret', 'ferret', 'gecko', 'ibis'];

export function randomSessionName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
    if (!taken(name)) return name;
  }
  return `session-${randomInt(1_000_000)}`;
}
