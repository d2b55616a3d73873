import type { attachDialogs } from '@sessionguard/client/ui';

/** `attachDialogs` of `@sessionguard/client/ui`: draws the built-in dialogs for a guard; returns the detach. */
export type AttachDialogs = typeof attachDialogs;

/**
 * The built-in dialogs, loaded on demand: an app that draws its own UI never
 * downloads them (bundlers make this import a chunk of its own).
 */
export const loadDialogs = (): Promise<AttachDialogs> => import('@sessionguard/client/ui').then((ui) => ui.attachDialogs);
