/**
 * A fake `GET /session/events` for tests: each request gets a stream the
 * test writes to (`send`, `end`), or the answer `answer` returns; aborting
 * the request (the client closing the stream) errors its body, as a browser does.
 */
export interface FakeStream {
  /** The request was aborted by the client (it closed the stream). */
  readonly aborted: boolean;
  /** Writes raw text/event-stream text. */
  send(text: string): void;
  /** The `session` event of a live session (`heartbeat` seconds), tagged `session`. */
  open(options?: { session?: string; heartbeat?: number; retry?: number }): void;
  /** The `ended` event, then the end of the response. */
  ended(code: 'session_revoked' | 'session_expired', session?: string): void;
  /** The server ends the response. */
  end(): void;
}

export function sseEndpoint(path = '/session/events') {
  const streams: FakeStream[] = [];
  const endpoint = {
    streams,
    /** Streams not closed by either side. */
    get open() {
      return streams.filter((stream) => !stream.aborted && !(stream as { done?: boolean }).done).length;
    },
    /** Overrides the answer to the next requests (a refusal, say); `null`: a stream. */
    answer: null as null | (() => Response),
    /** Handles `request` when it is for the stream; `null` otherwise. */
    handle(request: Request): Response | null {
      if (new URL(request.url, 'http://localhost').pathname !== path) return null;
      if (endpoint.answer) {
        streams.push({ aborted: false, send() {}, open() {}, ended() {}, end() {}, done: true } as FakeStream);
        return endpoint.answer();
      }
      const encoder = new TextEncoder();
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      const stream = {
        aborted: false,
        done: false,
        send(text: string) {
          if (!stream.aborted && !stream.done) controller.enqueue(encoder.encode(text));
        },
        open({ session = 's1', heartbeat = 25, retry = 5000 } = {}) {
          const data = { idleFor: 0, warnAfter: 60, expireAfter: 180, absoluteRemaining: null, session, user: 'u-alice', heartbeat };
          stream.send(`retry: ${retry}\nevent: session\ndata: ${JSON.stringify(data)}\n\n`);
        },
        ended(code: 'session_revoked' | 'session_expired', session = 's1') {
          const reason = code === 'session_expired' ? 'expired_idle' : 'revoked_by_admin';
          stream.send(`event: ended\ndata: ${JSON.stringify({ reason, code, session })}\n\n`);
          stream.end();
        },
        end() {
          if (stream.aborted || stream.done) return;
          stream.done = true;
          controller.close();
        },
      };
      request.signal.addEventListener('abort', () => {
        if (stream.done) return;
        stream.aborted = true;
        controller.error(new DOMException('The operation was aborted.', 'AbortError'));
      });
      streams.push(stream);
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    },
  };
  return endpoint;
}

/** A JSON answer. */
export const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
