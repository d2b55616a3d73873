import { button, element, openDialog, row, type DialogHandle } from './dialog-base.js';
import type { OtherSession, SessionLimitResult, SessionLimitState } from './guard-state.js';
import { fillAll, formatMoment, type SessionGuardStrings } from './strings.js';

/** "Firefox 140 on Windows 10, desktop", with the unknown parts said so. */
export function describeSession(strings: SessionGuardStrings, session: Pick<OtherSession, 'browser' | 'os' | 'device'>): string {
  return fillAll(strings.sessionDescription, {
    browser: session.browser ?? strings.unknownBrowser,
    os: session.os ?? strings.unknownOs,
    device: session.device ?? strings.unknownDevice,
  });
}

/**
 * The sign-in dialog over the server's session limit: "You are signed in on
 * too many devices", then (`canChoose`) each other session (browser on OS,
 * device, last active) with an `End session` button described by it
 * (`aria-describedby`), or (`deny`) only why. `Back` (and Escape) returns to
 * the sign-in form. A failure is written to a `role="alert"` element; on
 * success the guard signs in and the dialog closes as after a sign-in.
 *
 * @param end - ends one session and signs in (`guard.endSessionsAndSignIn`)
 * @param back - forgets the limit (`guard.cancelSessionLimit`)
 */
export function openSessionLimitDialog(
  doc: Document,
  strings: SessionGuardStrings,
  locale: string,
  limit: SessionLimitState,
  end: (publicIds: readonly string[]) => Promise<SessionLimitResult>,
  back: () => void,
): DialogHandle {
  const body = limit.canChoose ? strings.sessionLimitBody : strings.sessionLimitDenied;
  return openDialog(
    doc,
    strings.sessionLimitTitle,
    body,
    (dialog, id) => {
      const error = element(doc, 'p', 'sg-e', undefined, { id: `${id}-e`, role: 'alert' });
      const buttons: HTMLButtonElement[] = [];
      const list = element(doc, 'ul', 'sg-l');
      limit.sessions.forEach((session, index) => {
        const item = element(doc, 'li');
        const about = element(doc, 'p', '', undefined, { id: `${id}-s${index}` });
        about.append(describeSession(strings, session), element(doc, 'br'), fillAll(strings.lastActive, { time: formatMoment(locale, session.lastActivity) }));
        const go = button(doc, '', strings.endSession, () => {
          if (buttons.some((b) => b.disabled)) return;
          for (const b of buttons) b.disabled = true;
          error.textContent = '';
          void end([session.publicId])
            .catch((): SessionLimitResult => 'failed')
            .then((result) => {
              for (const b of buttons) b.disabled = false;
              // ok: signed in (the dialog closes); invalid, session-limit: the guard's state moves on (the form, a new list).
              if (result === 'ok' || result === 'invalid' || result === 'session-limit') return;
              error.textContent = result === 'not-found' ? strings.sessionAlreadyEnded : result === 'unreachable' ? strings.unreachable : strings.signInFailed;
              go.focus();
            });
        });
        go.setAttribute('aria-describedby', about.id);
        buttons.push(go);
        item.append(about, go);
        list.append(item);
      });
      const backButton = button(doc, '', strings.back, back);
      if (limit.sessions.length) dialog.append(list);
      dialog.append(error, row(doc, backButton));
      return buttons[0] ?? backButton;
    },
    back,
  );
}
