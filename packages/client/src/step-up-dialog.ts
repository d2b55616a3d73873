import { button, openDialog, type DialogHandle } from './dialog-base.js';
import type { SignInResult } from './guard-state.js';
import { passwordForm } from './password-form.js';
import type { SessionGuardStrings } from './strings.js';

/**
 * The step-up dialog: the server wants the password again before it answers
 * a request (403 `reauthentication_required`). `Password`, `Continue` (the
 * request is sent again once the password is accepted) and `Cancel` (also
 * Escape: the request gets its 403). The same modal rules as the other
 * dialogs (see `openDialog`).
 */
export function openStepUpDialog(
  doc: Document,
  strings: SessionGuardStrings,
  reauthenticate: (password: string) => Promise<SignInResult>,
  cancel: () => void,
): DialogHandle {
  return openDialog(
    doc,
    strings.reauthenticateTitle,
    strings.reauthenticateBody,
    (dialog, id) => {
      const [form, focus] = passwordForm(doc, strings, id, undefined, strings.continue, strings.invalidPassword, (_, password) =>
        reauthenticate(password),
      button(doc, '', strings.cancel, cancel));
      dialog.append(form);
      return focus;
    },
    cancel,
  );
}
