// Which registries the user logged in to, and which one pulls use by default. The tokens live
// in the keychain only (one entry per registry URL); `registries.json` in the config dir keeps
// just the URLs, so nothing secret is ever on disk or in a sandbox's reach.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NonoError } from '@nono/shared';
import { writeFileDurably } from '../snapshots/durable-files.js';
import type { TrustVault } from '../trust/trust-keys.js';
import { registryUrl, type RegistryEndpoint } from './registry-client.js';

const FILE = 'registries.json';
const SCHEMA = 'nono-registries/1';

interface RegistriesFile {
  schema: typeof SCHEMA;
  default: string | null;
  registries: Record<string, { loggedInAt: string }>;
}

/** The keychain accepts [a-z0-9_.-] names of up to 64 characters: the URL's digest stands in for it. */
function vaultName(url: string): string {
  return `registry-token.${createHash('sha256').update(url).digest('hex').slice(0, 40)}`;
}

export class RegistryLogins {
  constructor(
    private readonly configDir: string,
    private readonly vault: TrustVault,
  ) {}

  private async read(): Promise<RegistriesFile> {
    const file = join(this.configDir, FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schema: SCHEMA, default: null, registries: {} };
      throw error;
    }
    try {
      const value = JSON.parse(text) as RegistriesFile;
      if (value.schema !== SCHEMA || typeof value.registries !== 'object' || value.registries === null) throw new Error(`schema is not ${SCHEMA}`);
      return value;
    } catch (error) {
      throw new NonoError('PROFILE_INVALID', `${file} is damaged (${(error as Error).message}); delete it and log in again`, { file, key: null });
    }
  }

  private async write(value: RegistriesFile): Promise<void> {
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    await writeFileDurably(join(this.configDir, FILE), `${JSON.stringify(value, null, 2)}\n`);
  }

  async login(text: string, token: string): Promise<{ url: string; default: boolean }> {
    const url = registryUrl(text);
    await this.vault.set(vaultName(url), token);
    const file = await this.read();
    file.registries[url] = { loggedInAt: new Date().toISOString() };
    file.default ??= url;
    await this.write(file);
    return { url, default: file.default === url };
  }

  async logout(text: string): Promise<{ url: string; removed: boolean }> {
    const url = registryUrl(text);
    const removed = await this.vault.remove(vaultName(url));
    const file = await this.read();
    const known = url in file.registries;
    delete file.registries[url];
    if (file.default === url) file.default = Object.keys(file.registries)[0] ?? null;
    if (known) await this.write(file);
    return { url, removed: removed || known };
  }

  async status(): Promise<{ url: string; loggedIn: boolean; default: boolean }[]> {
    const file = await this.read();
    return Promise.all(Object.keys(file.registries).map(async (url) => ({ url, loggedIn: (await this.vault.get(vaultName(url))) !== undefined, default: file.default === url })));
  }

  /** The registry to use: the one named, else the default; its token when logged in. */
  async endpoint(text: string | undefined): Promise<RegistryEndpoint> {
    const url = text !== undefined ? registryUrl(text) : (await this.read()).default;
    if (url === null) throw new NonoError('INVALID_PARAMS', 'no registry given and none is the default; pass --registry URL, or log in once with nono auth login URL', {});
    return { url, token: await this.vault.get(vaultName(url)) };
  }
}
