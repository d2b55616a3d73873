/**
 * `@sessionguard/client/ui`: the built-in dialogs as a layer over a headless
 * guard. The accessible warning, expiry, signed-out and step-up dialogs, the
 * live region, the "could not sign out" notice, one stylesheet, the English
 * strings, and form preservation across a trip to the login page.
 *
 * @packageDocumentation
 */
export { attachDialogs, dialogFor } from './attach-dialogs.js';
export type { DialogKind, DialogOptions } from './attach-dialogs.js';
export { preserveFields } from './preserve-fields.js';
export type { PreservedFields } from './preserve-fields.js';
export { PRESERVE_ATTRIBUTE } from './preserve.js';
// French and German live in `@sessionguard/client/locales`, so a bundle only carries the languages it uses.
export { en } from './strings.js';
export type { SessionGuardStrings } from './strings.js';
