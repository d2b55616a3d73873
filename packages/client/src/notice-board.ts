import type { DeviceNoticeBody } from '@sessionguard/core';
import type { DeviceNotice, EndSessionResult } from './guard-state.js';
import type { PingResult } from './ping.js';
import type { TabMessage } from './tab-message.js';

/** The most notices a tab keeps (the oldest go first); the server sends each once, so this only bounds a flood. */
export const MAX_KEPT_NOTICES = 20;

/**
 * The new-device notices this tab shows, shared with the other tabs: the
 * leader learns of a sign-in (a ping answer's `notices`, the push stream's
 * `notice` event) and tells them; a dismissal in one tab dismisses it in
 * every tab. A tab that opens later does not see earlier notices (the
 * server answers each once per session).
 */
export interface NoticeBoard {
  /** The notices shown now, oldest first (a new array on each change). */
  readonly notices: readonly DeviceNotice[];
  /** From the server: `ago` seconds before `now`. */
  add(bodies: readonly DeviceNoticeBody[], now: number): void;
  dismiss(publicId: string): void;
  /** A message from another tab (anything else is ignored); never posted again. */
  receive(message: TabMessage): void;
}

const isText = (value: unknown): value is string | null => value === null || typeof value === 'string';
const isNotice = (value: unknown): value is DeviceNotice => {
  const n = value as Partial<DeviceNotice> | null;
  return !!n && typeof n.publicId === 'string' && isText(n.browser) && isText(n.os) && isText(n.device) && Number.isFinite(n.at);
};

/** `list` with `incoming` added: each public id once, none of `dismissed`, at most {@link MAX_KEPT_NOTICES}. */
export function mergeNotices(list: readonly DeviceNotice[], incoming: readonly DeviceNotice[], dismissed: ReadonlySet<string>): readonly DeviceNotice[] {
  const fresh = incoming.filter((n, i) => !dismissed.has(n.publicId) && !list.some((m) => m.publicId === n.publicId) && incoming.findIndex((m) => m.publicId === n.publicId) === i);
  return fresh.length ? [...list, ...fresh].sort((a, b) => a.at - b.at).slice(-MAX_KEPT_NOTICES) : list;
}

/**
 * The notices of a ping answer for this page's `user` (the user tag of its
 * first answer): none from an answer for another user (someone else signed in
 * meanwhile in this browser; the page reloads), nor from anything but an answer.
 */
export function pingNotices(result: PingResult, user: string | null | undefined): readonly DeviceNoticeBody[] {
  if (!result || typeof result !== 'object' || !result.notices) return [];
  return user && result.user && result.user !== user ? [] : result.notices;
}

/** Starts a board; `post` reaches the other tabs, `onChange` publishes the state. */
export function createNoticeBoard(post: (message: TabMessage) => void, onChange: () => void): NoticeBoard {
  let notices: readonly DeviceNotice[] = [];
  const dismissed = new Set<string>();
  const take = (incoming: readonly DeviceNotice[]): DeviceNotice[] => {
    const before = notices;
    notices = mergeNotices(notices, incoming, dismissed);
    if (notices === before) return [];
    onChange();
    return notices.filter((n) => !before.includes(n));
  };
  const drop = (publicId: string): boolean => {
    dismissed.add(publicId);
    if (!notices.some((n) => n.publicId === publicId)) return false;
    notices = notices.filter((n) => n.publicId !== publicId);
    onChange();
    return true;
  };
  return {
    get notices() {
      return notices;
    },
    add(bodies, now) {
      const added = take(bodies.map(({ ago, ...rest }) => ({ ...rest, at: now - ago * 1000 })));
      if (added.length) post({ t: 'n', n: added });
    },
    dismiss(publicId) {
      drop(publicId);
      post({ t: 'x', p: publicId });
    },
    receive(message) {
      if (message?.t === 'n' && Array.isArray(message.n)) take(message.n.filter(isNotice));
      else if (message?.t === 'x' && typeof message.p === 'string') drop(message.p);
    },
  };
}

/**
 * Ends the session of a notice with `DELETE <base>/sessions/:publicId`
 * through `guardFetch` (a 403 `reauthentication_required` waits for the
 * step-up there), then dismisses it everywhere. A 404: that session is over
 * already, which is what was asked.
 */
export async function endNoticeSession(board: NoticeBoard, guardFetch: typeof fetch, url: string, publicId: string): Promise<EndSessionResult> {
  let status: number;
  try {
    status = (await guardFetch(`${url}/${encodeURIComponent(publicId)}`, { method: 'DELETE', headers: { accept: 'application/json' } })).status;
  } catch {
    return 'unreachable';
  }
  if ((status >= 200 && status < 300) || status === 404) {
    board.dismiss(publicId);
    return 'ok';
  }
  return status >= 500 ? 'unreachable' : 'failed';
}
