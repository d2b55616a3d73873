import { button, openDialog, row, type DialogHandle } from './dialog-base.js';
import type { SignInResult } from './guard-state.js';
import { passwordForm } from './password-form.js';
import type { SessionGuardStrings } from './strings.js';

/**
 * The expiry or signed-out dialog with a sign-in form in place (see
 * {@link passwordForm}), or without a sign-in endpoint a `Sign in` button
 * that goes to the login page.
 *
 * @param expired - `true` for the idle timeout, `false` when the session was
 *   ended elsewhere, or signed out
 * @param username - prefills the username
 * @param signIn - signs in in place; `null` when there is no sign-in endpoint
 * @param goToLoginPage - without `signIn`: what the `Sign in` button does
 */
export function openSignInDialog(
  doc: Document,
  strings: SessionGuardStrings,
  expired: boolean,
  username: string | null,
  signIn: ((username: string, password: string) => Promise<SignInResult>) | null,
  goToLoginPage: () => void,
): DialogHandle {
  return openDialog(
    doc,
    expired ? strings.expiredTitle : strings.revokedTitle,
    expired ? strings.expiredBody : strings.revokedBody,
    (dialog, id) => {
      if (!signIn) {
        const go = button(doc, 'sg-p', strings.signIn, goToLoginPage);
        dialog.append(row(doc, go));
        return go;
      }
      const [form, focus] = passwordForm(doc, strings, id, username, strings.signIn, strings.invalidCredentials, signIn);
      dialog.append(form);
      return focus;
    },
  );
}
