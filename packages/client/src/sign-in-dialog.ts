import { element, openDialog, type DialogHandle } from './dialog-base.js';
import type { SessionGuardStrings } from './strings.js';

/** Outcome of one sign-in attempt. */
export type SignInResult = 'ok' | 'invalid' | 'unreachable' | 'failed';

/** What {@link openSignInDialog} needs. */
export interface SignInDialogOptions {
  doc: Document;
  strings: SessionGuardStrings;
  /** `expired` (idle timeout) or `revoked` (ended elsewhere, or signed out). */
  kind: 'expired' | 'revoked';
  /** Prefills the username. */
  username: string | null;
  /** Signs in in place; `null` when there is no sign-in endpoint. */
  signIn: ((username: string, password: string) => Promise<SignInResult>) | null;
  /** Without `signIn`: the `Sign in` button goes to the login page. */
  goToLoginPage(): void;
}

/**
 * The expiry or signed-out dialog with a sign-in form in place: `Username`
 * (prefilled, `autocomplete="username"`), `Password`
 * (`autocomplete="current-password"`) and `Sign in`. An error is written to a
 * `role="alert"` element tied to the password field by `aria-describedby`
 * (with `aria-invalid` for wrong credentials), and focus returns to the field.
 */
export function openSignInDialog(options: SignInDialogOptions): DialogHandle {
  const { doc, strings, signIn } = options;
  const expired = options.kind === 'expired';
  return openDialog(doc, {
    title: expired ? strings.expiredTitle : strings.revokedTitle,
    description: expired ? strings.expiredBody : strings.revokedBody,
    fill(dialog) {
      const button = element(doc, 'button', 'sg-p', strings.signIn);
      if (!signIn) {
        button.type = 'button';
        button.addEventListener('click', options.goToLoginPage);
        const row = element(doc, 'div', 'sg-r');
        row.append(button);
        dialog.append(row);
        return button;
      }
      const id = dialog.getAttribute('aria-labelledby')!;
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
      const username = field(strings.username, 'username', 'text', 'username');
      username.value = options.username ?? '';
      const password = field(strings.password, 'password', 'password', 'current-password');
      const error = element(doc, 'p', 'sg-e');
      error.id = `${id}-e`;
      error.setAttribute('role', 'alert');
      const row = element(doc, 'div', 'sg-r');
      button.type = 'submit';
      row.append(button);
      form.append(error, row);
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
        if (button.disabled) return;
        if (!username.value) return username.focus();
        if (!password.value) return password.focus();
        button.disabled = true;
        error.textContent = '';
        void signIn(username.value, password.value)
          .catch((): SignInResult => 'failed')
          .then((result) => {
            button.disabled = false;
            if (result === 'ok') return;
            password.value = '';
            if (result === 'invalid') showError(strings.invalidCredentials, true);
            else showError(result === 'unreachable' ? strings.unreachable : strings.signInFailed, false);
          });
      });
      return username.value ? password : username;
    },
  });
}
