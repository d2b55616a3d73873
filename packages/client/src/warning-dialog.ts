import type { Clock } from './clock.js';
import { element, openDialog, type DialogHandle } from './dialog-base.js';
import { nextAnnouncement, type LiveRegion } from './live-region.js';
import { fill, formatDuration, type SessionGuardStrings } from './strings.js';

/** What {@link openWarningDialog} needs. */
export interface WarningDialogOptions {
  doc: Document;
  strings: SessionGuardStrings;
  locale: string;
  clock: Clock;
  live: LiveRegion;
  /** Read on every tick: the end may move while the dialog is open. */
  expiresAt(): number;
  onStay(): void;
  onSignOut(): void;
}

/**
 * The warning: "Your session is about to expire", a visible countdown hidden
 * from screen readers (it changes every second), the time left announced
 * through the polite live region at spaced intervals, `Stay signed in`
 * (focused; also Escape) and `Sign out`.
 */
export function openWarningDialog(options: WarningDialogOptions): DialogHandle {
  const { doc, strings, locale, clock, live } = options;
  const countdown = element(doc, 'p', '');
  countdown.setAttribute('aria-hidden', 'true');
  let cancelTick = (): void => {};
  let announceAt = Infinity;
  const tick = (): void => {
    const left = Math.max(0, options.expiresAt() - clock.now());
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
  const handle = openDialog(doc, {
    title: strings.warningTitle,
    description: strings.warningBody,
    onEscape: options.onStay,
    fill(dialog) {
      const row = element(doc, 'div', 'sg-r');
      const stay = element(doc, 'button', 'sg-p', strings.staySignedIn);
      stay.type = 'button';
      stay.addEventListener('click', options.onStay);
      const signOut = element(doc, 'button', '', strings.signOut);
      signOut.type = 'button';
      signOut.addEventListener('click', options.onSignOut);
      row.append(stay, signOut);
      dialog.append(countdown, row);
      return stay;
    },
  });
  return {
    element: handle.element,
    close() {
      cancelTick();
      live.say('');
      handle.close();
    },
  };
}
