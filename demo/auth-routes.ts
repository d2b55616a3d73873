/**
 * Sign-in and sign-out. `POST /login` takes a plain form (works without
 * JavaScript) or JSON from the SDK's sign-in dialog; over `MAX_SESSIONS` with
 * `SESSION_LIMIT=ask` the sign-in page lists the user's sessions, each with an
 * `End session` form posting the single-use token to `POST /login/limit`; `POST /logout` takes a
 * form and, with `Accept: application/json`, answers `{}`; `POST
 * /reauthenticate` takes the SDK's step-up (`{"password"}` of the signed-in
 * user) and makes the sign-in fresh.
 */
import { isSessionLimitError, isSessionLimitTokenError, type LimitedSessionSummary } from '@sessionguard/express';
import express, { type Request, type Response, type Router } from 'express';
import type { DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { log } from './logger.js';
import { createRateLimiter, rateLimit, safeNext, sameOriginOnly, sendError } from './security.js';

interface LoginForm {
  next: string | null;
  username: string;
  error?: string;
  status?: number;
}

function renderLogin(res: Response, { next, username, error, status = 200 }: LoginForm): void {
  const described = error ? 'login-error' : undefined;
  renderPage(res, {
    title: 'Sign in',
    user: null,
    status,
    body: html`
<form method="post" action="/login" class="card narrow">
  ${error && html`<p id="login-error" class="error" role="alert">${error}</p>`}
  ${next && html`<input type="hidden" name="next" value="${next}">`}
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username}"${described ? html` aria-describedby="${described}" aria-invalid="true"` : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${described ? html` aria-describedby="${described}" aria-invalid="true"` : ''}>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Demo users: <code>alice</code> / <code>alice-pass</code>, <code>bob</code> / <code>bob-pass</code>, <code>admin</code> / <code>admin-pass</code>.</p>`,
  });
}

/** Over `MAX_SESSIONS` with `SESSION_LIMIT=ask`: the user's sessions, each with a form that ends it and completes the sign-in. */
function renderSessionChoice(res: Response, { next, sessions, token }: { next: string | null; sessions: LimitedSessionSummary[]; token: string }): void {
  const when = (iso: string) => new Date(iso).toUTCString();
  renderPage(res, {
    title: 'Too many sessions',
    user: null,
    status: 409,
    body: html`
<section class="card narrow" aria-labelledby="limit-heading">
  <h2 id="limit-heading">You are signed in on too many devices</h2>
  <p id="limit-explain">End one of these sessions to finish signing in here. You will not need your password again.</p>
  <ul class="session-list">
    ${sessions.map(
      (session, index) => html`
    <li>
      <span id="limit-session-${index}">${session.browser ?? 'Unknown browser'} on ${session.os ?? 'an unknown system'}${session.device ? html` (${session.device})` : ''}, last active ${when(session.lastActivity)}</span>
      <form method="post" action="/login/limit" class="inline">
        <input type="hidden" name="token" value="${token}">
        <input type="hidden" name="end" value="${session.publicId}">
        ${next && html`<input type="hidden" name="next" value="${next}">`}
        <button type="submit" aria-describedby="limit-session-${index}">End session</button>
      </form>
    </li>`,
    )}
  </ul>
  <p><a href="/login">Cancel</a></p>
</section>`,
  });
}

const TOO_MANY = 'You are signed in on too many devices. Sign out on one of them (or wait until it times out), then sign in again.';

function field(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

const isJson = (req: Request) => req.is('application/json') === 'application/json';

export function authRoutes(ctx: DemoContext): Router {
  const router = express.Router();
  // Modest limits: every attempt per client, and failures per client and username.
  const attempts = createRateLimiter({ limit: 60, windowMs: 60_000 });
  const failures = createRateLimiter({ limit: 10, windowMs: 15 * 60_000 });
  const parse = [express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' })];

  router.get('/login', (req, res) => {
    renderLogin(res, { next: safeNext(req.query.next), username: '' });
  });

  router.post('/login', sameOriginOnly, rateLimit(attempts), ...parse, async (req, res, next) => {
    try {
      const username = field(req.body, 'username').trim();
      const password = field(req.body, 'password');
      const returnTo = safeNext(field(req.body, 'next'));
      const failureKey = `${req.ip ?? 'unknown'}|${username.toLowerCase()}`;
      // Counted before the (slow) check, so concurrent guesses cannot all slip under the limit.
      const ticket = failures.reserve(failureKey);
      if (!ticket) {
        res.setHeader('Retry-After', String(failures.retryAfter(failureKey)));
        const message = 'Too many failed attempts. Wait a few minutes and try again.';
        if (isJson(req)) sendError(res, 429, 'rate_limited', message);
        else renderLogin(res, { next: returnTo, username, error: message, status: 429 });
        return;
      }
      const verified = username && password ? await ctx.users.verify(username, password) : null;
      if (!verified) {
        log('sign-in refused: invalid credentials');
        const message = 'The username or password is not right.';
        if (isJson(req)) sendError(res, 401, 'invalid_credentials', message);
        else renderLogin(res, { next: returnTo, username, error: message, status: 401 });
        return;
      }
      // Only a success gives its count back: failures, and errors on the way, keep theirs.
      ticket.giveBack();
      const { user, sessionAuthHash } = verified;
      // Bound to the credential just checked: a password change landing meanwhile ends this session at its next request.
      try {
        await ctx.guard.login(req, user.username, { sessionAuthHash });
      } catch (error) {
        if (!isSessionLimitError(error)) throw error;
        log(`sign-in held back: ${user.username} is at MAX_SESSIONS (${ctx.config.sessionLimit})`);
        if (isJson(req)) res.status(409).json(error.body);
        else if (error.sessions && error.token) renderSessionChoice(res, { next: returnTo, sessions: error.sessions, token: error.token });
        else renderLogin(res, { next: returnTo, username, error: TOO_MANY, status: 409 });
        return;
      }
      log(`signed in: ${user.username}`);
      if (isJson(req)) res.json({ username: user.username });
      else res.redirect(303, returnTo ?? '/');
    } catch (error) {
      next(error);
    }
  });

  // SESSION_LIMIT=ask, without JavaScript: the chosen session ends and the held-back sign-in completes.
  router.post('/login/limit', sameOriginOnly, rateLimit(attempts), express.urlencoded({ extended: false, limit: '4kb' }), async (req, res, next) => {
    const returnTo = safeNext(field(req.body, 'next'));
    try {
      await ctx.guard.completeSignIn(req, { token: field(req.body, 'token'), end: field(req.body, 'end') });
      log(`signed in after ending a session: ${ctx.guard.userId(req) ?? 'unknown'}`);
      res.redirect(303, returnTo ?? '/');
    } catch (error) {
      if (isSessionLimitError(error) && error.sessions && error.token) {
        renderSessionChoice(res, { next: returnTo, sessions: error.sessions, token: error.token });
      } else if (isSessionLimitTokenError(error)) {
        const message = error.code === 'not_found' ? 'That session has ended already. Sign in again.' : 'That choice expired or was used already. Sign in again.';
        renderLogin(res, { next: returnTo, username: '', error: message, status: error.code === 'not_found' ? 404 : 400 });
      } else {
        next(error);
      }
    }
  });

  // The SDK's step-up (data-reauthenticate-url): a request answered 403 reauthentication_required (revoking a
  // session long after signing in) waits while the user confirms the password here, then is sent again.
  router.post('/reauthenticate', sameOriginOnly, rateLimit(attempts), express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const userId = ctx.guard.userId(req);
      if (userId === null) {
        sendError(res, 401, 'unauthenticated', 'Sign in first.');
        return;
      }
      const failureKey = `${req.ip ?? 'unknown'}|${userId.toLowerCase()}`;
      const ticket = failures.reserve(failureKey);
      if (!ticket) {
        res.setHeader('Retry-After', String(failures.retryAfter(failureKey)));
        sendError(res, 429, 'rate_limited', 'Too many failed attempts. Wait a few minutes and try again.');
        return;
      }
      const password = field(req.body, 'password');
      if (!password || !(await ctx.users.verify(userId, password))) {
        log('reauthentication refused: invalid credentials');
        sendError(res, 401, 'invalid_credentials', 'The password is not right.');
        return;
      }
      ticket.giveBack();
      await ctx.guard.reauthenticated(req);
      log(`reauthenticated: ${userId}`);
      res.json({});
    } catch (error) {
      next(error);
    }
  });

  router.post('/logout', sameOriginOnly, async (req, res, next) => {
    try {
      const userId = ctx.guard.userId(req);
      if (userId !== null) {
        await ctx.guard.logout(req);
        log(`signed out: ${userId}`);
      }
      res.clearCookie('sessionguard.sid', { path: '/' });
      if (req.accepts(['html', 'json']) === 'json') res.json({});
      else res.redirect(303, '/login');
    } catch (error) {
      next(error);
    }
  });

  return router;
}
