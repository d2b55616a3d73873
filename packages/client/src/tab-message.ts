import type { DeviceNotice } from './guard-state.js';
import type { SessionView } from './session-view.js';

/**
 * What tabs tell each other. Short keys: these cross the channel once a
 * second while the user is active.
 *
 * - `a`: activity at `at` (epoch ms)
 * - `s`: the leader's latest view of the session
 * - `c`: "please check with the server" (to the leader), with the asker's latest activity `at`
 * - `e`: the server said the session ended (`k`)
 * - `l`: `u` signed in again, same user: close the dialogs (`c`: the app's fresh CSRF token)
 * - `r`: someone else signed in: reload
 * - `o`: deliberate sign-out: go to the login page once the server confirms it
 * - `n`: new-device notices `n` to show (the leader heard of them)
 * - `x`: the notice of session `p` was dismissed (or that session ended)
 *
 * Each carries `s`, the sender's session tag (from the server's ping answer;
 * absent while the sender knows none), so a tab can tell messages about its
 * own session from those of another session in the same browser (a stale tab
 * of a revoked session, say).
 */
export type TabMessage = (
  | { t: 'a'; at: number }
  | { t: 's'; v: SessionView }
  | { t: 'c'; at?: number }
  | { t: 'e'; k: 'expired' | 'revoked' | 'signed-out' }
  | { t: 'l'; u: string | null; c?: string | null }
  | { t: 'r' }
  | { t: 'o' }
  | { t: 'n'; n: DeviceNotice[] }
  | { t: 'x'; p: string }
) & { s?: string };
