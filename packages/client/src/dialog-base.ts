import { trapTab } from './focus-trap.js';

/** An open dialog. */
export interface DialogHandle {
  /** The `role="alertdialog"` element. */
  readonly element: HTMLElement;
  /** Removes the dialog, un-inerts the page and gives focus back. Idempotent. */
  close(): void;
}

let counter = 0;

/** Sets every attribute of `attributes` on `node`. */
export function setAttributes(node: Element, attributes: Record<string, string>): void {
  for (const name in attributes) node.setAttribute(name, attributes[name]!);
}

/** `doc.createElement` with a class, text and attributes. */
export function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
  attributes?: Record<string, string>,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (attributes) setAttributes(node, attributes);
  return node;
}

/** A button: `type="button"` calling `onClick`, or without `onClick` the form's submit button. */
export function button(doc: Document, className: string, text: string, onClick?: () => void): HTMLButtonElement {
  const node = element(doc, 'button', className, text);
  node.type = onClick ? 'button' : 'submit';
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

/** The dialogs' row of buttons. */
export function row(doc: Document, ...buttons: HTMLElement[]): HTMLDivElement {
  const node = element(doc, 'div', 'sg-r');
  node.append(...buttons);
  return node;
}

/**
 * Opens a modal `role="alertdialog"`, named by its `title` and described by its
 * `description`. Everything else in `<body>` (except sessionguard's live region)
 * gets `inert`, so it can be neither focused nor read, and gets it back on
 * close; focus moves to the element `fill` returns and back to where it was on
 * close; Tab and Shift+Tab cycle inside. A plain element rather than
 * `<dialog>.showModal()`: it behaves the same in every browser and in jsdom,
 * and Escape stays under our control (Chromium's close watcher may close a
 * native dialog on a second Escape whatever `cancel` does).
 *
 * @param fill - fills the dialog below its title and description (the title's
 *   id prefixes the ids of what it adds); returns the element to focus
 * @param onEscape - called on Escape; without it Escape does nothing (the dialog stays)
 * @param onClose - called first when the dialog closes
 */
export function openDialog(
  doc: Document,
  title: string,
  description: string,
  fill: (dialog: HTMLElement, titleId: string) => HTMLElement,
  onEscape?: () => void,
  onClose?: () => void,
): DialogHandle {
  const id = `sessionguard-${++counter}`;
  const titleId = `${id}-t`;
  const previous = doc.activeElement as HTMLElement | null;
  const backdrop = element(doc, 'div', 'sg-b', undefined, { 'data-sessionguard': 'dialog' });
  const dialog = element(doc, 'div', 'sg-d', undefined, {
    role: 'alertdialog',
    'aria-modal': 'true',
    'aria-labelledby': titleId,
    'aria-describedby': `${id}-d`,
  });
  dialog.tabIndex = -1;
  dialog.append(element(doc, 'h2', '', title, { id: titleId }), element(doc, 'p', '', description, { id: `${id}-d` }));
  const focusTarget = fill(dialog, titleId);
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
      onEscape?.();
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
      onClose?.();
      dialog.removeEventListener('keydown', onKeydown);
      backdrop.remove();
      for (const child of inerted) child.removeAttribute('inert');
      if (previous?.isConnected && typeof previous.focus === 'function') previous.focus();
    },
  };
}
