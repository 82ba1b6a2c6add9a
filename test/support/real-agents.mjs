// How the real-agent tests and bench/agents.mjs drive each agent CLI headless against the
// stand-in APIs: its profile, the credential route its key travels, its command line and the
// environment it needs. Agents come from scripts/install-test-agents.sh's cache, not the repo.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROMPT = 'Do the scripted task.';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The fixture directory, or an Error saying how to make it: a missing fixture fails, never skips. */
export function agentFixture() {
  try {
    const dir = execFileSync('bash', [`${REPO}scripts/install-test-agents.sh`, '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return { dir, bin: `${dir}/node_modules/.bin` };
  } catch (error) {
    return new Error(`the agent CLIs are not installed: run scripts/install-test-agents.sh (${String(error.stderr ?? error).trim().split('\n').at(-1)})`);
  }
}

/**
 * The daemon options that point one credential route at a local stand-in upstream (trusted via
 * the test CA), for the test-only daemon entry: a user's nonod takes no such thing.
 */
export function credentialRouteOptions(name, upstream, caFile) {
  return { credentialUpstreams: { [name]: upstream }, credentialCa: caFile };
}

/**
 * Each agent: the profile and credential route it runs under, the variables nono sets for that
 * route (what an unsandboxed baseline sets itself: baseUrl), its command line and environment,
 * its state paths, and what its workdir needs first (prepare).
 */
export const AGENTS = [
  {
    profile: 'claude-code',
    credential: 'anthropic',
    keyVariable: 'ANTHROPIC_API_KEY',
    baseUrl: (root) => ({ ANTHROPIC_BASE_URL: root }),
    // --dangerously-skip-permissions refuses to run as root, so the tools are allowed by name.
    // None of the agents' tools needs a command dangerous_commands blocks (rm, chmod, kill), so
    // no run passes --allow-command.
    argv: () => ['claude', '-p', PROMPT, '--output-format', 'json', '--allowedTools', 'Bash,Write,Read'],
    env: () => ({ CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' }),
    state: (env) => [`${env.HOME}/.claude`, `${env.HOME}/.claude.json`],
    prepare: () => {},
  },
  {
    profile: 'gemini-cli',
    credential: 'gemini',
    keyVariable: 'GEMINI_API_KEY',
    baseUrl: (root) => ({ GOOGLE_GEMINI_BASE_URL: root }),
    argv: () => ['gemini', '-p', PROMPT, '--yolo', '-o', 'json', '-m', 'gemini-2.5-flash'],
    // Headless, it runs tools only in a trusted folder.
    env: () => ({ GEMINI_CLI_TRUST_WORKSPACE: 'true' }),
    state: (env) => [`${env.HOME}/.gemini`],
    // With a custom base URL it guesses the "gateway" auth type and exits 41 unless the settings
    // pick the API key; the project's settings say so, leaving the home untouched.
    prepare: (workdir) => {
      mkdirSync(`${workdir}/.gemini`, { recursive: true });
      writeFileSync(`${workdir}/.gemini/settings.json`, JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
    },
  },
  {
    profile: 'codex',
    credential: 'openai',
    keyVariable: 'OPENAI_API_KEY',
    baseUrl: (root) => ({ OPENAI_BASE_URL: `${root}/v1` }),
    // Codex ignores OPENAI_API_KEY and OPENAI_BASE_URL: the phantom key and nono's base URL are
    // handed over as CODEX_API_KEY and openai_base_url. Its own sandbox (bubblewrap) cannot make
    // namespaces inside nono's, so it runs in the mode that leaves sandboxing to nono.
    argv: () => [
      'sh', '-c',
      'CODEX_API_KEY="$OPENAI_API_KEY" exec codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -c openai_base_url="$OPENAI_BASE_URL" "$0"',
      PROMPT,
    ],
    env: () => ({}),
    state: (env) => [`${env.HOME}/.codex`],
    prepare: () => {},
  },
  {
    profile: 'opencode',
    credential: 'openai',
    keyVariable: 'OPENAI_API_KEY',
    baseUrl: (root) => ({ OPENAI_BASE_URL: `${root}/v1` }),
    // Without --auto OpenCode's own permission check rejects the tool calls.
    argv: () => ['opencode', 'run', '--auto', '--format', 'json', PROMPT],
    env: () => ({
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        provider: {
          standin: {
            npm: '@ai-sdk/openai-compatible',
            options: { baseURL: '{env:OPENAI_BASE_URL}', apiKey: '{env:OPENAI_API_KEY}' },
            models: { model: {} },
          },
        },
        model: 'standin/model',
      }),
    }),
    state: (env) => [`${env.XDG_CONFIG_HOME}/opencode`, `${env.HOME}/.local/share/opencode`],
    prepare: () => {},
  },
];
