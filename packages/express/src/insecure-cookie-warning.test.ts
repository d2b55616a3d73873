/**
 * A Secure session cookie on plain HTTP never reaches the browser: in
 * development the guard logs it once, through its logger. Real Express
 * servers over plain HTTP (supertest), with express-session set up through
 * guard.session().
 */
import express from 'express';
import type { SessionOptions } from 'express-session';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionGuard, type SessionGuard } from './guard.js';
import type { SessionGuardLogger } from './logger.js';
import { SECRET } from './test-app.js';

const WARNING = /^Secure session cookie on a plain HTTP request/;

let guard: SessionGuard | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await guard?.close();
  guard = undefined;
});

/** An app whose sign-in sets the session cookie; `warnings` are the guard's warn lines about dropped cookies. */
function startApp(sessionOptions: Partial<SessionOptions>, configure: (app: express.Express) => void = () => {}) {
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const logger: SessionGuardLogger = {
    info: () => {},
    warn: (message, fields) => {
      if (WARNING.test(message)) warnings.push(fields);
    },
    error: () => {},
  };
  const made = createSessionGuard({ secret: SECRET, warnAfter: 30, expireAfter: 60, logger });
  guard = made;
  const app = express();
  configure(app);
  app.use(
    made.session(
      { secret: SECRET, resave: false, saveUninitialized: false, ...sessionOptions, cookie: { httpOnly: true, sameSite: 'lax', ...sessionOptions.cookie } },
      { warn: () => {} }, // the start-up check's own warnings are not what these tests look at
    ),
  );
  app.use(made.middleware);
  app.post('/login', (req, res, next) => {
    made.login(req, 'alice').then(() => res.json({ signedIn: true }), next);
  });
  app.get('/me', (req, res) => {
    res.json({ userId: made.userId(req) });
  });
  app.use(made.errorHandler);
  return { agent: request.agent(app), warnings };
}

describe('the warning about a Secure session cookie on plain HTTP', () => {
  it('is logged once in development when cookie.secure is true, and the sign-in indeed does not stick', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const { agent, warnings } = startApp({ cookie: { secure: true } });
    const login = await agent.post('/login').expect(200);
    expect(login.headers['set-cookie']).toBeUndefined(); // express-session refuses to send it over HTTP
    expect((await agent.get('/me').expect(200)).body).toEqual({ userId: null });
    await agent.post('/login').expect(200);
    expect(warnings).toEqual([expect.objectContaining({ option: 'cookie.secure', protocol: 'http', hint: expect.stringContaining('trust proxy') })]);
  });

  it('is logged when the response sets a __Host- cookie without Secure (cookie.secure "auto" over HTTP)', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const { agent, warnings } = startApp({ name: '__Host-sid', cookie: { secure: 'auto' } });
    const login = await agent.post('/login').expect(200);
    expect(login.headers['set-cookie']).toEqual([expect.stringMatching(/^__Host-sid=(?!.*;\s*Secure)/i)]);
    await agent.post('/login').expect(200);
    expect(warnings).toEqual([expect.objectContaining({ option: 'name', cookie: '__Host-sid', protocol: 'http' })]);
  });

  it('is not logged in production', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const { agent, warnings } = startApp({ cookie: { secure: true } });
    await agent.post('/login').expect(200);
    await agent.get('/me').expect(200);
    expect(warnings).toEqual([]);
  });

  it('is not logged when the request is secure through trust proxy and X-Forwarded-Proto: https, where the cookie is set', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const { agent, warnings } = startApp({ name: '__Host-sid', cookie: { secure: true } }, (app) => app.set('trust proxy', 'loopback'));
    const login = await agent.post('/login').set('X-Forwarded-Proto', 'https').expect(200);
    expect(login.headers['set-cookie']).toEqual([expect.stringMatching(/^__Host-sid=.*;\s*Secure/i)]);
    await agent.get('/me').set('X-Forwarded-Proto', 'https').expect(200);
    expect(warnings).toEqual([]);
  });

  it('is not logged for a cookie without Secure and without a prefix over plain HTTP (the usual development setup)', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const { agent, warnings } = startApp({ name: 'sid', cookie: { secure: false } });
    await agent.post('/login').expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ userId: 'alice' });
    expect(warnings).toEqual([]);
  });
});
