import { parsePingResponse, type ErrorCode, type PingResponse } from '@sessionguard/core';
import type { Api } from './api.js';
import type { Ended } from './guard-state.js';

/**
 * What a ping told us: the server's answer, the end of the session it names, or
 * `null` when it could not be reached (outages, 5xx, anything malformed: no answer).
 */
export type PingResult = PingResponse | Ended | null;

/** The `error` code of an error body (read from a clone: the response stays readable), if any. */
export async function errorCode(response: Response): Promise<ErrorCode | undefined> {
  return ((await response.clone().json().catch(() => null)) as { error?: ErrorCode } | null)?.error;
}

/** The end a 401 body names, or null when it names none. */
export async function endFromResponse(response: Response): Promise<Ended | null> {
  if (response.status !== 401) return null;
  // Only three codes matter here; checking them directly keeps core's whole code table out of the bundle.
  const code = await errorCode(response);
  return code === 'session_expired' ? 'expired' : code === 'session_revoked' ? 'revoked' : code === 'unauthenticated' ? 'signed-out' : null;
}

/**
 * `POST url` with `{ idleFor }`. Never throws: an outage or a malformed answer
 * is `null` (unreachable), so the guard retries and never signs a user out because
 * the network failed.
 */
export async function sendPing(api: Api, url: string, idleFor: number): Promise<PingResult> {
  try {
    const response = await api.post(url, { json: { idleFor } });
    if (response.ok) {
      const parsed = parsePingResponse(await response.json().catch(() => null));
      return parsed.ok ? parsed.value : null;
    }
    return await endFromResponse(response);
  } catch {
    return null;
  }
}

/** Delay before retry number `failures` (1, 2, 4 … 30 s). */
export function backoffMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}
