// Which environment variables look like secrets (daemon/data/secret-env-names.json), so they are
// withheld from the sandbox unless named: an agent that can read AWS_SECRET_ACCESS_KEY or
// GITHUB_TOKEN can send it anywhere its network reaches, and the user's shell holds many.
// Data, not code, so a reviewer can read what is withheld without reading TypeScript.
import { NonoError } from '@nono/shared';
import { readJsonc } from './jsonc-file.js';
import { SECRET_ENV_NAMES_FILE } from './policy-data.js';

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** "*" anywhere, whole name, without regard to case. */
function globPattern(patterns: string[]): RegExp {
  const alternatives = patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

/** scheme://user:password@host: the password is what makes it a secret, not the URL. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

export class SecretNames {
  private constructor(
    private readonly secret: RegExp,
    private readonly notSecret: RegExp,
    private readonly urlWithPassword: boolean,
  ) {}

  static load(file = SECRET_ENV_NAMES_FILE): SecretNames {
    const document = readJsonc(file, 'the secret variable names') as { secret?: unknown; not_secret?: unknown; url_with_password?: unknown };
    for (const key of ['secret', 'not_secret'] as const) {
      if (!isStringList(document[key])) throw new NonoError('PROFILE_INVALID', `${file}: ${key}: must be a list of variable names or patterns`, { file, key });
    }
    return new SecretNames(globPattern(document.secret as string[]), globPattern(document.not_secret as string[]), document.url_with_password === true);
  }

  looksSecret(name: string, value: string): boolean {
    if (this.notSecret.test(name)) return false;
    return this.secret.test(name) || (this.urlWithPassword && URL_WITH_PASSWORD.test(value));
  }
}
