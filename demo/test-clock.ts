/**
 * The server's clock. In tests (`SESSIONGUARD_TEST_CLOCK=1`, never by
 * default) a loopback-only route moves it forward, so browser tests that fake
 * the browser's clock can let the server see the same time pass without
 * sleeping: `POST /__test__/clock {"advance": ms}` answers `{"now": epochMs}`.
 */
import express, { type Router } from 'express';

export interface Clock {
  now(): number;
  advance(ms: number): number;
}

export function createClock(): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
      return Date.now() + offset;
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The test-only route. Mount it only when the test clock is enabled. */
export function testClockRouter(clock: Clock): Router {
  const router = express.Router();
  router.post('/__test__/clock', express.json({ limit: '1kb' }), (req, res) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      res.status(403).json({ error: 'forbidden', message: 'The test clock only answers loopback requests.' });
      return;
    }
    const advance = (req.body as { advance?: unknown } | undefined)?.advance;
    if (typeof advance !== 'number' || !Number.isFinite(advance) || advance < 0 || advance > 366 * 24 * 3600 * 1000) {
      res.status(400).json({ error: 'invalid_body', message: 'Send {"advance": milliseconds}, a non-negative number.' });
      return;
    }
    res.json({ now: clock.advance(advance) });
  });
  return router;
}
