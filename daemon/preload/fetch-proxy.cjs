// Loaded into every Node process of a proxied session (nono adds it to NODE_OPTIONS): Node
// before 22.21 has fetch() ignore HTTP_PROXY/HTTPS_PROXY, so in the sandbox, where the proxy
// is the only way out, fetch would fail. This routes fetch through the session's proxy with
// undici's EnvHttpProxyAgent, loaded only when fetch is first called. It must print nothing:
// the agent's output is the user's, and tools parse their own stderr.
'use strict';

const [major, minor] = process.versions.node.split('.').map(Number);
const native = major >= 24 || (major === 22 && minor >= 21);

/**
 * undici warns once that EnvHttpProxyAgent is experimental (code UNDICI-EHPA), on the agent's
 * stderr, in every program that calls fetch; that warning is about nono's choice, not the
 * program's, so it alone is dropped while the agent is made. Every other warning passes.
 */
function quietAgent(undici) {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, options, ...rest) {
    const code = typeof options === 'object' && options !== null ? options.code : rest[0];
    if (code !== 'UNDICI-EHPA') return emitWarning.call(process, warning, options, ...rest);
  };
  try {
    return new undici.EnvHttpProxyAgent();
  } finally {
    process.emitWarning = emitWarning;
  }
}

if (!native && typeof globalThis.fetch === 'function') {
  const undiciPath = require.resolve('undici', { paths: [__dirname] });
  let undici;
  const load = () => {
    if (!undici) {
      undici = require(undiciPath);
      undici.setGlobalDispatcher(quietAgent(undici));
    }
    return undici;
  };
  Object.defineProperty(globalThis, 'fetch', {
    configurable: true,
    writable: true,
    value: function fetch(input, init) {
      return load().fetch(input, init);
    },
  });
}
