// The daemon's Node-API modules, built beside nono-helper by `npm run build`
// (native-helper/addon/). Each is loaded once, on first use; a module that cannot load is
// remembered as missing, with why, and its callers fall back to what Node does alone.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { helperPath } from '../sandbox/helper-binary.js';

const loaded = new Map<string, { module: unknown } | { failure: string }>();

/** The module file (e.g. 'fd-passing.node') beside the helper, or null when it cannot be loaded. */
export function loadNativeModule<T>(file: string): T | null {
  let entry = loaded.get(file);
  if (!entry) {
    try {
      entry = { module: createRequire(import.meta.url)(join(dirname(helperPath()), file)) };
    } catch (error) {
      entry = { failure: error instanceof Error ? error.message : String(error) };
    }
    loaded.set(file, entry);
  }
  return 'module' in entry ? (entry.module as T) : null;
}

/** Why the module did not load, for a log line; undefined when it did. */
export function nativeModuleFailure(file: string): string | undefined {
  loadNativeModule(file);
  const entry = loaded.get(file)!;
  return 'failure' in entry ? entry.failure : undefined;
}
