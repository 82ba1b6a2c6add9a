// The OS keychain as the vault for real keys: the Secret Service on Linux (GNOME Keyring,
// KWallet), the Keychain on macOS, through @napi-rs/keyring. keytar, which the design names,
// is archived upstream and builds only with libsecret headers; @napi-rs/keyring ships prebuilt
// binaries and is maintained. It is pinned to the Secret Service on Linux: its default falls
// back silently to the kernel keyring, which forgets everything at reboot.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Keyring from '@napi-rs/keyring';
import type { EntryOptions } from '@napi-rs/keyring';
import { NonoError } from '@nono/shared';

// The addon (a D-Bus client with its own threads, ~2 MB) is loaded by the first call that can
// reach a keychain. On Linux the Secret Service lives on the D-Bus session bus, which its libdbus
// finds only through DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus (it is built without X11
// autolaunch): with neither, the answer is "unreachable" whether the addon is loaded or not.
const lazyRequire = createRequire(import.meta.url);
let keyring: typeof Keyring | undefined;
function addon(): typeof Keyring {
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS && !existsSync(join(process.env.XDG_RUNTIME_DIR ?? '/nonexistent', 'bus'))) {
    throw new Error('no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist');
  }
  return (keyring ??= lazyRequire('@napi-rs/keyring') as typeof Keyring);
}

const SERVICE = 'nono';
const OPTIONS: EntryOptions = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : {};
const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

function unavailable(error: unknown): NonoError {
  return new NonoError(
    'CREDENTIAL_UNAVAILABLE',
    `the OS keychain is not reachable (${(error as Error).message.split('\n')[0]}); on Linux start a Secret Service (GNOME Keyring or KWallet) in your session and unlock it`,
  );
}

export function checkCredentialName(name: string): void {
  if (!NAME.test(name)) throw new NonoError('INVALID_PARAMS', `credential name "${name}": use lower-case letters, digits, . _ - (up to 64)`);
}

export const keychainVault = {
  backend: process.platform === 'darwin' ? 'macOS Keychain' : 'Secret Service',

  async set(name: string, secret: string): Promise<void> {
    checkCredentialName(name);
    if (secret.trim() === '') throw new NonoError('INVALID_PARAMS', `credential ${name}: the secret is empty; nothing was stored`);
    try {
      await new (addon().AsyncEntry)(SERVICE, name, OPTIONS).setPassword(secret.trim());
    } catch (error) {
      throw unavailable(error);
    }
  },

  /** The stored secret, or undefined when there is none (or no keychain at all). */
  async get(name: string): Promise<string | undefined> {
    try {
      return (await new (addon().AsyncEntry)(SERVICE, name, OPTIONS).getPassword()) ?? undefined;
    } catch {
      return undefined;
    }
  },

  async remove(name: string): Promise<boolean> {
    checkCredentialName(name);
    try {
      return await new (addon().AsyncEntry)(SERVICE, name, OPTIONS).deleteCredential();
    } catch (error) {
      throw unavailable(error);
    }
  },

  async list(): Promise<string[]> {
    try {
      return (await addon().findCredentialsAsync(SERVICE)).map((c) => c.account).sort();
    } catch (error) {
      throw unavailable(error);
    }
  },
};
