import { button, element, row } from './dialog-base.js';
import type { SignInResult } from './guard-state.js';
import type { SessionGuardStrings } from './strings.js';

/**
 * The dialogs' sign-in form: `Username` (prefilled, `autocomplete="username"`;
 * left out when `username` is `undefined`), `Password`
 * (`autocomplete="current-password"`) and the submit button, then `buttons`.
 * An error is written to a `role="alert"` element tied to the password field
 * by `aria-describedby` (with `aria-invalid` for wrong credentials), and focus
 * returns to the field. Returns the form and the field to focus first.
 *
 * @param id - prefixes the ids of the fields and the error
 * @param invalid - the error shown for `invalid`
 */
export function passwordForm(
  doc: Document,
  strings: SessionGuardStrings,
  id: string,
  username: string | null | undefined,
  label: string,
  invalid: string,
  submit: (username: string, password: string) => Promise<SignInResult>,
  ...buttons: HTMLElement[]
): [HTMLFormElement, HTMLInputElement] {
  const form = element(doc, 'form');
  form.noValidate = true;
  const field = (text: string, name: string, type: string, autocomplete: string) => {
    const labelElement = element(doc, 'label', '', text);
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
  const user = username === undefined ? null : field(strings.username, 'username', 'text', 'username');
  if (user) user.value = username ?? '';
  const password = field(strings.password, 'password', 'password', 'current-password');
  const error = element(doc, 'p', 'sg-e', undefined, { id: `${id}-e`, role: 'alert' });
  const go = button(doc, 'sg-p', label);
  form.append(error, row(doc, go, ...buttons));

  const showError = (text: string, isInvalid: boolean): void => {
    error.textContent = text;
    password.setAttribute('aria-describedby', error.id);
    if (isInvalid) password.setAttribute('aria-invalid', 'true');
    else password.removeAttribute('aria-invalid');
    password.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (go.disabled) return;
    if (user && !user.value) return user.focus();
    if (!password.value) return password.focus();
    go.disabled = true;
    error.textContent = '';
    void submit(user?.value ?? '', password.value)
      .catch((): SignInResult => 'failed')
      .then((result) => {
        go.disabled = false;
        // `session-limit`: the dialog shows the user's sessions in the form's place.
        if (result === 'ok' || result === 'session-limit') return;
        password.value = '';
        if (result === 'invalid') showError(invalid, true);
        else showError(result === 'unreachable' ? strings.unreachable : strings.signInFailed, false);
      });
  });
  return [form, user && !user.value ? user : password];
}
