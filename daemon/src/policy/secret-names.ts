// Which environment variables look like secrets (daemon/data/secret-env-names.json), so they are
// withheld from the sandbox unless named: an agent that can read AWS_SECRET_ACCESS_KEY or
// GITHUB_TOKEN can send it anywhere its network reaches, and the user's shell holds many.
// Data, not code, so a reviewer can read what is withheld without reading TypeScript. Names
// alone miss keys kept under bland names (GIT_REMOTE=https://ghp_…@github.com/o/r), so values
// in the known formats of keys and URLs with a login count too.
import { NonoError } from '@nono/shared';
import { readJsonc } from './jsonc-file.js';
import { SECRET_ENV_NAMES_FILE } from './policy-data.js';

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** "*" anywhere, whole name, without regard to case. */
function globPattern(patterns: string[]): RegExp {
  const alternatives = patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

/** Any of the formats, starting a word: "task-…" or "/home/me/sk-…/bin" is not a key. */
function valuePattern(file: string, formats: string[]): RegExp {
  formats.forEach((format, index) => {
    try {
      new RegExp(format);
    } catch (error) {
      throw new NonoError('PROFILE_INVALID', `${file}: secret_values[${index}]: not a regular expression (${(error as Error).message}); fix or remove it`, {
        file,
        key: `secret_values[${index}]`,
      });
    }
  });
  return new RegExp(`(?<![A-Za-z0-9_/-])(?:${formats.map((f) => `(?:${f})`).join('|') || '(?!)'})`);
}

const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
/** Where userinfo without such a password ends at the latest: the first "/", "?", "#" or white space. */
const AUTHORITY_END = /[/?#\s]/;
/** What follows "host:" when it is a port, not a password. */
const PORT = /^\d*(?:[/?#]|$)/;

/** Whether "://" at `at` ends a scheme: letters, digits, "+", "." or "-" before it, one a letter. */
function schemeBefore(value: string, at: number): boolean {
  let letter = false;
  for (let i = at - 1; i >= 0 && SCHEME_CHAR.test(value[i]!); i--) letter ||= LETTER.test(value[i]!);
  return letter;
}

/**
 * A URL anywhere in the value with userinfo: "scheme://user@host" or "scheme://user:pass@host",
 * where a password may hold an unescaped "/", "?" or "#" up to its "@". Found from each "://",
 * each scan stopping where the next URL's would start, and the "@" or white space after a
 * password found once for every password it ends: regular expressions that looked for a scheme
 * from every letter, and for a password's end from every "://", took time quadratic in the
 * value's length (40 KB of letters: 2 s of the daemon's only thread).
 */
function hasUrlUserinfo(value: string): boolean {
  let passwordEnd = -1;
  for (let at = value.indexOf('://'); at >= 0; at = value.indexOf('://', at + 3)) {
    if (!schemeBefore(value, at)) continue;
    const start = at + 3;
    // "user@host", or "user:pass@host" with a plain password: an "@" before any "/", "?", "#" or white space.
    for (let i = start; i < value.length && !AUTHORITY_END.test(value[i]!); i++) if (value[i] === '@') return true;
    // A password that holds "/", "?" or "#": "user:" (no ":/?#@[] " in the user), then all up to the first "@" or white space.
    let colon = start;
    while (colon < value.length && !/[:/?#@\s[\]]/.test(value[colon]!)) colon++;
    if (value[colon] !== ':') continue;
    if (passwordEnd <= colon) {
      const found = value.slice(colon + 1).search(/[@\s]/);
      passwordEnd = found < 0 ? value.length : colon + 1 + found;
    }
    if (value[passwordEnd] === '@' && !PORT.test(value.slice(colon + 1, passwordEnd))) return true;
  }
  return false;
}

export class SecretNames {
  private constructor(
    private readonly secret: RegExp,
    private readonly notSecret: RegExp,
    private readonly secretValue: RegExp,
    private readonly urlWithUserinfo: boolean,
  ) {}

  static load(file = SECRET_ENV_NAMES_FILE): SecretNames {
    const document = readJsonc(file, 'the secret variable names') as Record<string, unknown>;
    for (const key of ['secret', 'not_secret', 'secret_values'] as const) {
      if (!isStringList(document[key])) throw new NonoError('PROFILE_INVALID', `${file}: ${key}: must be a list of strings`, { file, key });
    }
    return new SecretNames(
      globPattern(document.secret as string[]),
      globPattern(document.not_secret as string[]),
      valuePattern(file, document.secret_values as string[]),
      document.url_with_userinfo === true,
    );
  }

  /** not_secret names win over everything: their values (PATH, a *_DIR) are paths, not keys. */
  looksSecret(name: string, value: string): boolean {
    if (this.notSecret.test(name)) return false;
    return this.secret.test(name) || this.secretValue.test(value) || (this.urlWithUserinfo && hasUrlUserinfo(value));
  }
}
