// `nono pack …`: installed policy packs, the registry's newer versions, and publishing.
import type { Command } from 'commander';
import { registerPackList } from './pack-list.js';
import { registerPackRemove } from './pack-remove.js';
import { registerPackUpdate } from './pack-update.js';
import { registerPackOutdated } from './pack-outdated.js';
import { registerPackSearch } from './pack-search.js';
import { registerPackPin, registerPackUnpin } from './pack-pin.js';
import { registerPackVerify } from './pack-verify.js';
import { registerPackPublish } from './pack-publish.js';

export function registerPack(program: Command): void {
  const pack = program.command('pack').alias('packs').description('Installed policy packs: list, update, pin, verify, remove; search a registry; publish');
  for (const register of [registerPackList, registerPackRemove, registerPackUpdate, registerPackOutdated, registerPackSearch, registerPackPin, registerPackUnpin, registerPackVerify, registerPackPublish]) register(pack);
}
