/**
 * The app the fuzz tests attack: a real Express 5 app with express-session
 * (MemoryStore) and the guard from '@sessionguard/express', on a loopback
 * port, with a hand-driven clock and a logger that keeps every line.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryRegistry,
  createSessionGuard,
  type LogFields,
  type SessionGuardOptions,
  type SessionRecord,
} from '@sessionguard/express';
import { rawRequest } from './raw-http.js';

export const FUZZ_SECRET = 'fuzz-secret-0123456789-abcdefghijklmnopqrstuv';
export const USERS = ['alice', 'bob', 'admin'] as const;
export const POLICY = { warnAfter: 1200, expireAfter: 1800, absoluteTimeout: 7200 } as const;

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

export interface FuzzAppHooks {
  /** Runs in `POST /password` before `guard.passwordChanged`: the app stores the new password here. */
  onPasswordChange?: (userId: string) => void;
}

export async function startFuzzApp(guardOptions: Partial<SessionGuardOptions> = {}, hooks: FuzzAppHooks = {}) {
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const clock = {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
  const logs: LogLine[] = [];
  const registry = createMemoryRegistry({ now: clock.now });
  const store = new session.MemoryStore();
  const guard = createSessionGuard({
    secret: FUZZ_SECRET,
    ...POLICY,
    registry,
    store,
    now: clock.now,
    reauthenticateWithin: 600,
    // Off here so the fuzz reaches every check behind it; the limiter has its own unit tests.
    rateLimit: false,
    canRevoke: (actor, target) => actor === 'admin' && target !== 'admin',
    logger: {
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) => logs.push({ level: 'error', message, fields }),
    },
    ...guardOptions,
  });

  const app = express();
  app.use(session({ secret: FUZZ_SECRET, resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax', httpOnly: true } }));
  app.use(guard.middleware);
  app.use('/session', guard.router);
  app.use('/admin/sessions', guard.adminRouter);
  // Test-only sign-in: the app "checked the password" already.
  app.post('/login', express.json(), async (req: Request, res: Response) => {
    await guard.login(req, String((req.body as { username: unknown }).username));
    res.json({ username: guard.userId(req) });
  });
  app.post('/logout', async (req: Request, res: Response) => {
    await guard.logout(req);
    res.json({});
  });
  app.post('/password', async (req: Request, res: Response) => {
    const userId = guard.userId(req);
    if (!userId) return void res.status(401).json({ error: 'unauthenticated', message: '' });
    hooks.onPasswordChange?.(userId);
    await guard.passwordChanged(req, userId);
    res.json({});
  });
  app.get('/page', (req: Request, res: Response) => {
    res.type('html').send(`<p>${guard.userId(req) ?? 'anonymous'}</p>`);
  });
  app.get('/api/me', (req: Request, res: Response) => {
    const userId = guard.userId(req);
    if (!userId) return void res.status(401).json({ error: 'unauthenticated', message: '' });
    res.json({ username: userId });
  });
  // The app's own answers for what no route takes, so a stray path is a JSON 404, as in a real API.
  app.use((_req: Request, res: Response) => void res.status(404).json({ error: 'not_found', message: 'No such route.' }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Anything that reaches here escaped the guard's own error handling: the fuzz treats it as a 5xx.
    res.status(500).json({ error: 'app_error', message: String(error) });
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  /** Signs `username` in on a new session; returns its cookie and registry record. */
  const login = async (username: string): Promise<{ cookie: string; record: SessionRecord }> => {
    const before = new Set((await registry.list(username)).map((record) => record.sessionId));
    const res = await rawRequest(port, {
      method: 'POST',
      path: '/login',
      headers: [['Content-Type', 'application/json']],
      body: Buffer.from(JSON.stringify({ username })),
    });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.body}`);
    const cookie = /^([^;]+)/.exec(res.headers['set-cookie'] ?? '')?.[1];
    const record = (await registry.list(username)).find((entry) => !before.has(entry.sessionId));
    if (!cookie || !record) throw new Error(`login ${username}: no cookie or record`);
    return { cookie, record };
  };

  /** Every registry record and every stored session id, in a stable order. */
  const snapshot = async () => {
    const records = (await Promise.all(USERS.map((user) => registry.list(user))))
      .flat()
      .sort((a, b) => a.sessionId.localeCompare(b.sessionId));
    const stored = await new Promise<Record<string, unknown>>((resolve, reject) =>
      store.all((error, all) => (error ? reject(error) : resolve((all ?? {}) as Record<string, unknown>))),
    );
    return { records, storedIds: Object.keys(stored).sort() };
  };

  /** Ends every session and empties the store, for the next run. */
  const reset = async () => {
    for (const user of USERS) await registry.revokeUser(user, undefined);
    await new Promise<void>((resolve) => store.clear?.((() => resolve()) as never));
  };

  return {
    guard,
    registry,
    store,
    clock,
    logs,
    port,
    origin,
    login,
    snapshot,
    reset,
    async close() {
      await guard.close();
      await registry.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FuzzApp = Awaited<ReturnType<typeof startFuzzApp>>;
