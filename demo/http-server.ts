/**
 * The demo's HTTP server, with bounds on slow clients: a request must arrive
 * whole within `requestTimeout` and its headers within `headersTimeout`
 * (answered 408 and closed otherwise), and an idle kept-alive connection
 * closes after `keepAliveTimeout`. Without them one client trickling a byte
 * at a time could hold a connection (and a body parser) open indefinitely.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

/** Timeouts of {@link createDemoServer}, in seconds. */
export interface ServerTimeouts {
  /** Most time to receive a whole request, headers and body. @default 30 */
  requestTimeout: number;
  /** Most time to receive the headers; must be below `requestTimeout`. @default 20 */
  headersTimeout: number;
  /** How long an idle kept-alive connection stays open. @default 5 */
  keepAliveTimeout: number;
}

/** Creates the server for `app` with the timeouts applied. */
export function createDemoServer(app: RequestListener, { requestTimeout, headersTimeout, keepAliveTimeout }: ServerTimeouts): Server {
  if (!(headersTimeout < requestTimeout)) throw new RangeError('headersTimeout must be below requestTimeout');
  const server = createServer(
    {
      requestTimeout: requestTimeout * 1000,
      headersTimeout: headersTimeout * 1000,
      // Node checks the two timeouts above on this interval (default 30 s, which would let a 30 s
      // timeout run to nearly a minute): a quarter of the headers timeout, between 100 ms and 5 s.
      connectionsCheckingInterval: Math.min(5000, Math.max(100, Math.floor((headersTimeout * 1000) / 4))),
    },
    app,
  );
  server.keepAliveTimeout = keepAliveTimeout * 1000;
  return server;
}
