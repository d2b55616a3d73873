import { trapTab } from './focus-trap.js';

/** An open dialog. */
export interface DialogHandle {
  /** The `role="alertdialog"` element. */
  readonly element: HTMLElement;
  /** Removes the dialog, un-inerts the page and gives focus back. Idempotent. */
  close(): void;
}

/** What {@link openDialog} needs. */
export interface DialogSpec {
  title: string;
  description: string;
  /** Fills the dialog below its title and description; returns the element to focus. */
  fill(dialog: HTMLElement, doc: Document): HTMLElement;
  /** Called on Escape; without it Escape does nothing (the dialog stays). */
  onEscape?: () => void;
}

let counter = 0;

/** `doc.createElement` with a class and text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Opens a modal `role="alertdialog"`, named by its title and described by its
 * description. Everything else in `<body>` (except sessionguard's live region)
 * gets `inert`, so it can be neither focused nor read, and gets it back on
 * close; focus moves to the element `fill` returns and back to where it was on
 * close; Tab and Shift+Tab cycle inside. A plain element rather than
 * `<dialog>.showModal()`: it behaves the same in every browser and in jsdom,
 * and Escape stays under our control (Chromium's close watcher may close a
 * native dialog on a second Escape whatever `cancel` does).
 */
export function openDialog(doc: Document, spec: DialogSpec): DialogHandle {
  const id = `sessionguard-${++counter}`;
  const previous = doc.activeElement as HTMLElement | null;
  const backdrop = element(doc, 'div', 'sg-b');
  backdrop.setAttribute('data-sessionguard', 'dialog');
  const dialog = element(doc, 'div', 'sg-d');
  dialog.setAttribute('role', 'alertdialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-labelledby', `${id}-t`);
  dialog.setAttribute('aria-describedby', `${id}-d`);
  dialog.tabIndex = -1;
  const title = element(doc, 'h2', '', spec.title);
  title.id = `${id}-t`;
  const description = element(doc, 'p', '', spec.description);
  description.id = `${id}-d`;
  dialog.append(title, description);
  const focusTarget = spec.fill(dialog, doc);
  backdrop.append(dialog);

  const inerted = [...doc.body.children].filter(
    (child) => !child.hasAttribute('inert') && !child.hasAttribute('data-sessionguard'),
  );
  for (const child of inerted) child.setAttribute('inert', '');
  doc.body.append(backdrop);

  const onKeydown = (event: KeyboardEvent): void => {
    if (trapTab(dialog, event)) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      spec.onEscape?.();
    }
  };
  dialog.addEventListener('keydown', onKeydown);
  focusTarget.focus();

  let open = true;
  return {
    element: dialog,
    close() {
      if (!open) return;
      open = false;
      dialog.removeEventListener('keydown', onKeydown);
      backdrop.remove();
      for (const child of inerted) child.removeAttribute('inert');
      if (previous?.isConnected && typeof previous.focus === 'function') previous.focus();
    },
  };
}
