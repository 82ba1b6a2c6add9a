// Loaded into every Node process of a proxied session (nono adds it to NODE_OPTIONS): Node
// before 22.21 has fetch() ignore HTTP_PROXY/HTTPS_PROXY, so in the sandbox, where the proxy
// is the only way out, fetch would fail. This routes fetch through the session's proxy with
// undici's EnvHttpProxyAgent, loaded only when fetch is first called.
'use strict';

const [major, minor] = process.versions.node.split('.').map(Number);
const native = major >= 24 || (major === 22 && minor >= 21);

if (!native && typeof globalThis.fetch === 'function') {
  const undiciPath = require.resolve('undici', { paths: [__dirname] });
  let undici;
  const load = () => {
    if (!undici) {
      undici = require(undiciPath);
      undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent());
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
