// The built-in credential routes: which upstream a credential is for, which header carries it
// and in what form, and which variables point an SDK at nono instead (base URL and key).
export interface CredentialRoute {
  name: string;
  upstream: string;
  header: string;
  /** How the key is written into the header; {key} is replaced. */
  format: string;
  /** The variable holding the key, which the sandbox gets as the phantom. */
  keyVariable: string;
  /** The variable holding the base URL, and what follows the route prefix in it. */
  baseUrlVariable: string | undefined;
  baseUrlSuffix: string;
  /** Where the daemon finds the real key when no source is given: its own environment. */
  defaultSource: string;
}

export const BUILTIN_ROUTES: CredentialRoute[] = [
  { name: 'openai', upstream: 'https://api.openai.com', header: 'authorization', format: 'Bearer {key}', keyVariable: 'OPENAI_API_KEY', baseUrlVariable: 'OPENAI_BASE_URL', baseUrlSuffix: '/v1', defaultSource: 'env://OPENAI_API_KEY' },
  { name: 'anthropic', upstream: 'https://api.anthropic.com', header: 'x-api-key', format: '{key}', keyVariable: 'ANTHROPIC_API_KEY', baseUrlVariable: 'ANTHROPIC_BASE_URL', baseUrlSuffix: '', defaultSource: 'env://ANTHROPIC_API_KEY' },
  { name: 'gemini', upstream: 'https://generativelanguage.googleapis.com', header: 'x-goog-api-key', format: '{key}', keyVariable: 'GEMINI_API_KEY', baseUrlVariable: 'GOOGLE_GEMINI_BASE_URL', baseUrlSuffix: '', defaultSource: 'env://GEMINI_API_KEY' },
  { name: 'github', upstream: 'https://api.github.com', header: 'authorization', format: 'token {key}', keyVariable: 'GITHUB_TOKEN', baseUrlVariable: 'GITHUB_API_URL', baseUrlSuffix: '', defaultSource: 'env://GITHUB_TOKEN' },
  { name: 'gitlab', upstream: 'https://gitlab.com', header: 'private-token', format: '{key}', keyVariable: 'GITLAB_TOKEN', baseUrlVariable: 'GITLAB_URL', baseUrlSuffix: '', defaultSource: 'env://GITLAB_TOKEN' },
];

export function routeNamed(name: string): CredentialRoute | undefined {
  return BUILTIN_ROUTES.find((r) => r.name === name);
}

/** "openai" or "openai=SOURCE" (env://, file://, cmd://, op://, bw://; see credential-source.ts). */
export function parseCredentialRequest(text: string): { name: string; source: string | undefined } {
  const eq = text.indexOf('=');
  return eq < 0 ? { name: text, source: undefined } : { name: text.slice(0, eq), source: text.slice(eq + 1) };
}
