import type { SessionGuard } from '@sessionguard/client';
import type { DialogOptions } from './compat.js';

/** `attachDialogs` of `@sessionguard/client/ui`: draws the built-in dialogs for a guard; returns the detach. */
export type AttachDialogs = (guard: SessionGuard, options?: DialogOptions) => () => void;

/**
 * The built-in dialogs, loaded on demand: an app that draws its own UI never
 * downloads them (bundlers make this import a chunk of its own). The only
 * reference to `@sessionguard/client/ui` in the package: until the client has
 * that entry, a bundler cannot resolve it (the tests stand in for it).
 */
export const loadDialogs = (): Promise<AttachDialogs> =>
  // @ts-ignore COMPAT(headless client): the client's `./ui` entry arrives with the headless client.
  import('@sessionguard/client/ui').then((ui: { attachDialogs: AttachDialogs }) => ui.attachDialogs);
