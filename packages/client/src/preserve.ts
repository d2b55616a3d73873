/** Marks a field, or a whole form, whose values survive a trip to the login page. */
export const PRESERVE_ATTRIBUTE = 'data-sessionguard-preserve';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

const SKIPPED = /^(password|file|hidden|submit|button|image|reset)$/;
const CHECKABLE = /^(checkbox|radio)$/;

function preservedFields(doc: Document): Map<string, Field> {
  const fields = new Map<string, Field>();
  const add = (field: Element, index: number): void => {
    if (!('value' in field) || !('form' in field) || field.tagName === 'BUTTON') return;
    const input = field as Field;
    if (SKIPPED.test(input.type)) return;
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

/** Saves the values of the marked fields to `storage` under `key`. */
export function savePreserved(doc: Document, storage: Storage, key: string): void {
  const values: Record<string, string | boolean> = {};
  for (const [name, field] of preservedFields(doc)) {
    values[name] = CHECKABLE.test(field.type) ? (field as HTMLInputElement).checked : field.value;
  }
  try {
    storage.setItem(key, JSON.stringify(values));
  } catch {
    // Storage full or disabled: nothing more we can do before navigating.
  }
}

/**
 * Puts saved values back into the marked fields (firing `input` and `change`
 * so frameworks notice) and forgets them.
 */
export function restorePreserved(doc: Document, storage: Storage, key: string): void {
  let values: Record<string, unknown> | null;
  try {
    values = JSON.parse(storage.getItem(key) ?? 'null') as Record<string, unknown> | null;
    storage.removeItem(key);
  } catch {
    return;
  }
  if (!values || typeof values !== 'object') return;
  for (const [name, field] of preservedFields(doc)) {
    const value = values[name];
    if (typeof value === 'boolean' && 'checked' in field) field.checked = value;
    else if (typeof value === 'string') field.value = value;
    else continue;
    for (const type of ['input', 'change']) field.dispatchEvent(new Event(type, { bubbles: true }));
  }
}
