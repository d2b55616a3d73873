/**
 * `@sessionguard/core`: the wire protocol and the timing policy, shared by
 * the browser SDK and the server adapter. Plain functions and types: no DOM,
 * no Node.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './policy.js';
export * from './protocol.js';
export * from './push.js';
