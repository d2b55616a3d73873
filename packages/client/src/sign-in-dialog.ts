import { button, element, openDialog, row, type DialogHandle } from './dialog-base.js';
import type { SessionGuardStrings } from './strings.js';

/** Outcome of one sign-in attempt. */
export type SignInResult = 'ok' | 'invalid' | 'unreachable' | 'failed';

/**
 * The expiry or signed-out dialog with a sign-in form in place: `Username`
 * (prefilled, `autocomplete="username"`), `Password`
 * (`autocomplete="current-password"`) and `Sign in`. An error is written to a
 * `role="alert"` element tied to the password field by `aria-describedby`
 * (with `aria-invalid` for wrong credentials), and focus returns to the field.
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
      const submit = button(doc, 'sg-p', strings.signIn);
      const form = element(doc, 'form');
      form.noValidate = true;
      const field = (label: string, name: string, type: string, autocomplete: string) => {
        const labelElement = element(doc, 'label', '', label);
        labelElement.htmlFor = `${id}-${name}`;
        const input = element(doc, 'input');
        input.id = `${id}-${name}`;
        input.name = name;
        input.type = type;
        input.autocomplete = autocomplete as AutoFill;
        input.required = true;
        form.append(labelElement, input);
        return input;
      };
      const user = field(strings.username, 'username', 'text', 'username');
      user.value = username ?? '';
      const password = field(strings.password, 'password', 'password', 'current-password');
      const error = element(doc, 'p', 'sg-e', undefined, { id: `${id}-e`, role: 'alert' });
      form.append(error, row(doc, submit));
      dialog.append(form);

      const showError = (text: string, invalid: boolean): void => {
        error.textContent = text;
        password.setAttribute('aria-describedby', error.id);
        if (invalid) password.setAttribute('aria-invalid', 'true');
        else password.removeAttribute('aria-invalid');
        password.focus();
      };
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (submit.disabled) return;
        if (!user.value) return user.focus();
        if (!password.value) return password.focus();
        submit.disabled = true;
        error.textContent = '';
        void signIn(user.value, password.value)
          .catch((): SignInResult => 'failed')
          .then((result) => {
            submit.disabled = false;
            if (result === 'ok') return;
            password.value = '';
            if (result === 'invalid') showError(strings.invalidCredentials, true);
            else showError(result === 'unreachable' ? strings.unreachable : strings.signInFailed, false);
          });
      });
      return user.value ? password : user;
    },
  );
}
