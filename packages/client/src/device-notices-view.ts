import { button, element } from './dialog-base.js';
import type { DeviceNotice, EndSessionResult } from './guard-state.js';
import { fillAll, formatMoment, type SessionGuardStrings } from './strings.js';

/** The text of a new-device notice: "New sign-in: Firefox 140 on Windows 10, 2 Dec 2026, 14:32". */
export function noticeText(strings: SessionGuardStrings, locale: string, notice: DeviceNotice): string {
  return fillAll(strings.newSignIn, {
    browser: notice.browser ?? strings.unknownBrowser,
    os: notice.os ?? strings.unknownOs,
    time: formatMoment(locale, notice.at),
  });
}

/** The visible notices; `show` draws the list the state holds. */
export interface DeviceNoticesView {
  show(notices: readonly DeviceNotice[]): void;
  remove(): void;
}

/**
 * Draws each new-device notice as a non-modal box at the bottom of the page
 * (`role="group"` named by its text, in a `role="region"` landmark) with `End that session` and `Dismiss`
 * (both described by the text), and says each new one in the polite live
 * region (`role="status"`). Its container is marked `data-sessionguard`, so
 * an open dialog does not make it `inert`; focus is never moved to it.
 *
 * @param say - writes to the polite live region
 */
export function createDeviceNoticesView(
  doc: Document,
  strings: SessionGuardStrings,
  locale: string,
  say: (text: string) => void,
  endSession: (publicId: string) => Promise<EndSessionResult>,
  dismiss: (publicId: string) => void,
): DeviceNoticesView {
  let container: HTMLElement | null = null;
  const shown = new Map<string, HTMLElement>();
  let counter = 0;
  return {
    show(notices) {
      for (const [publicId, box] of shown) {
        if (notices.some((n) => n.publicId === publicId)) continue;
        box.remove();
        shown.delete(publicId);
      }
      for (const notice of notices) {
        if (shown.has(notice.publicId)) continue;
        container ??= element(doc, 'div', 'sg-c', undefined, { role: 'region', 'aria-label': strings.noticesRegion, 'data-sessionguard': 'notices' });
        if (!container.isConnected) doc.body.append(container);
        const id = `sessionguard-notice-${++counter}`;
        const text = noticeText(strings, locale, notice);
        const box = element(doc, 'div', 'sg-d', undefined, { role: 'group', 'aria-labelledby': id });
        const error = element(doc, 'p', 'sg-e', undefined, { role: 'alert' });
        const end = button(doc, 'sg-p', strings.endThatSession, () => {
          end.disabled = true;
          error.textContent = '';
          void endSession(notice.publicId)
            .catch((): EndSessionResult => 'failed')
            .then((result) => {
              end.disabled = false;
              if (result !== 'ok') error.textContent = result === 'unreachable' ? strings.unreachable : strings.endSessionFailed;
            });
        });
        const close = button(doc, '', strings.dismiss, () => dismiss(notice.publicId));
        for (const b of [end, close]) b.setAttribute('aria-describedby', id);
        const row = element(doc, 'div', 'sg-r');
        row.append(end, close);
        box.append(element(doc, 'p', '', text, { id }), error, row);
        container.append(box);
        shown.set(notice.publicId, box);
        say(text);
      }
      if (!shown.size) container?.remove();
    },
    remove() {
      container?.remove();
      shown.clear();
    },
  };
}
