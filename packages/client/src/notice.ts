import { button, element } from './dialog-base.js';

/**
 * Says that something the user asked for did not happen ("Could not sign
 * out"), as a `role="alert"` so screen readers say it at once. Inside the
 * open dialog when there is one (a modal dialog hides the rest of the page
 * from assistive technology), before its buttons; otherwise fixed at the bottom
 * of the page with a `Dismiss` button. Returns a function that removes it.
 *
 * @param dialog - the open dialog's `alertdialog` element, if any
 */
export function showNotice(doc: Document, text: string, dismiss: string, dialog: HTMLElement | undefined): () => void {
  // Outside a dialog it borrows the dialog box's look (`sg-d`), placed at the bottom of the page (`sg-n`).
  const notice = element(doc, 'div', dialog ? 'sg-e' : 'sg-d sg-n', undefined, { role: 'alert', 'data-sessionguard': 'notice' });
  const remove = (): void => notice.remove();
  notice.append(element(doc, 'p', '', text));
  if (dialog) {
    dialog.insertBefore(notice, dialog.querySelector('.sg-r'));
  } else {
    notice.append(button(doc, '', dismiss, remove));
    doc.body.append(notice);
  }
  return remove;
}
