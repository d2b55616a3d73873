/** Marks a field, or a whole form, whose values survive a trip to the login page. */
export const PRESERVE_ATTRIBUTE = 'data-sessionguard-preserve';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/**
 * Tested against a field's type, a space and its `autocomplete`: fields never
 * written to storage are those of these types, and those whose autocomplete
 * tokens mark a secret (card data, one-time codes, passwords).
 */
const SKIPPED = /^(password|file|hidden|submit|button|image|reset) |\s(cc-|one-time-code|new-password|current-password)/i;
const CHECKABLE = /^(checkbox|radio)$/;

function preservedFields(doc: Document): Map<string, Field> {
  const fields = new Map<string, Field>();
  const add = (field: Element, index: number): void => {
    if (!('value' in field) || !('form' in field) || field.tagName === 'BUTTON') return;
    const input = field as Field;
    if (SKIPPED.test(`${input.type} ${input.getAttribute('autocomplete')}`)) return;
    const form = input.form;
    const formKey = form ? form.id || form.getAttribute('name') || '' : '';
    const key = `${formKey}:${input.name || input.id || `#${index}`}${CHECKABLE.test(input.type) ? `=${input.value}` : ''}`;
    fields.set(key, input);
  };
  let index = 0;
  for (const marked of doc.querySelectorAll(`[${PRESERVE_ATTRIBUTE}]`)) {
    if (marked.tagName === 'FORM') for (const field of (marked as HTMLFormElement).elements) add(field, index++);
    else add(marked, index++);
  }
  return fields;
}

/**
 * Saves the values of the marked fields to `storage` under `key`, with the
 * tag of the `user` they belong to (`undefined`: the server sends none;
 * `null`: this page never heard, so they are restored for no one).
 */
export function savePreserved(doc: Document, storage: Storage, key: string, user: string | undefined | null): void {
  const values: Record<string, string | boolean> = {};
  for (const [name, field] of preservedFields(doc)) {
    values[name] = CHECKABLE.test(field.type) ? (field as HTMLInputElement).checked : field.value;
  }
  try {
    storage.setItem(key, JSON.stringify({ u: user, f: values }));
  } catch {
    // Storage full or disabled: nothing more we can do before navigating.
  }
}

/**
 * Puts saved values back into the marked fields (firing `input` and `change`
 * so frameworks notice) and forgets them, if they belong to `user`, the tag
 * of the signed-in user (`undefined`: the server sends none; `null`: not known
 * yet). Values saved with a user tag (or by a page that never heard one) wait
 * while it is not known (`false`: call again once it is), and are discarded
 * unread for anyone else. Values saved without one (a server that sends no
 * tags) are put back at once. Returns `true` once nothing waits any more.
 */
export function restorePreserved(doc: Document, storage: Storage, key: string, user: string | undefined | null): boolean {
  let values: Record<string, unknown> | undefined;
  try {
    const { u, f } = (JSON.parse(storage.getItem(key)!) ?? {}) as { u?: string | null; f?: Record<string, unknown> };
    if (u !== undefined && user === null) return false;
    storage.removeItem(key);
    if (u === undefined || u === user) values = f;
  } catch {
    return true;
  }
  // Only a saved object holds the fields' names (each has a colon): anything else restores nothing.
  for (const [name, field] of preservedFields(doc)) {
    const value = values?.[name];
    if (typeof value === 'boolean' && 'checked' in field) field.checked = value;
    else if (typeof value === 'string') field.value = value;
    else continue;
    for (const type of ['input', 'change']) field.dispatchEvent(new Event(type, { bubbles: true }));
  }
  return true;
}
