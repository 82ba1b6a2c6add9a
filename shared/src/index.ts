// Public surface of @nono/shared: what both the client and the daemon import.
export * from './version.js';
export * from './paths.js';
export * from './path-names.js';
export * from './exit-codes.js';
export * from './protocol/errors.js';
export * from './protocol/schemas.js';
export * from './protocol/methods.js';
export * from './protocol/notifications.js';
export * from './protocol/openrpc.js';
export * from './rpc/framing.js';
export * from './rpc/output-frame.js';
export * from './rpc/connection.js';
export * from './rpc/raw-json.js';
export * from './policy/profile-schema.js';
