import type { Clock } from './clock.js';
import { button, element, openDialog, row, type DialogHandle } from './dialog-base.js';
import { nextAnnouncement, type LiveRegion } from './live-region.js';
import { fill, formatDuration, type SessionGuardStrings } from './strings.js';

/**
 * The warning: "Your session is about to expire", a visible countdown hidden
 * from screen readers (it changes every second), the time left announced
 * through the polite live region at spaced intervals, `Stay signed in`
 * (focused; also Escape) and `Sign out`.
 *
 * @param locale - of the times written (Intl)
 * @param live - the polite live region the time left is announced through
 * @param expiresAt - read on every tick: the end may move while the dialog is open
 */
export function openWarningDialog(
  doc: Document,
  strings: SessionGuardStrings,
  locale: string,
  clock: Clock,
  live: LiveRegion,
  expiresAt: () => number,
  onStay: () => void,
  onSignOut: () => void,
): DialogHandle {
  const countdown = element(doc, 'p', '', undefined, { 'aria-hidden': 'true' });
  let cancelTick = (): void => {};
  let announceAt = Infinity;
  const tick = (): void => {
    const left = Math.max(0, expiresAt() - clock.now());
    const seconds = Math.ceil(left / 1000);
    const text = fill(strings.countdown, formatDuration(locale, seconds));
    countdown.textContent = text;
    if (seconds <= announceAt && seconds > 0) {
      live.say(text);
      announceAt = nextAnnouncement(seconds);
    }
    // Wake at the next whole second of the remaining time.
    if (left > 0) cancelTick = clock.setTimeout(tick, left % 1000 || 1000);
  };
  tick();
  return openDialog(
    doc,
    strings.warningTitle,
    strings.warningBody,
    (dialog) => {
      const stay = button(doc, 'sg-p', strings.staySignedIn, onStay);
      dialog.append(countdown, row(doc, stay, button(doc, '', strings.signOut, onSignOut)));
      return stay;
    },
    onStay,
    () => {
      cancelTick();
      live.say('');
    },
  );
}
