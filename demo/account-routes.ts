/**
 * The signed-in user's own account: `GET /account/sessions` (their sessions,
 * revoke one or all others, through the guard's sessions API from a static
 * page script) and `GET/POST /account/password`.
 */
import express, { type Response, type Router } from 'express';
import { requireUser, type DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { log } from './logger.js';
import { createRateLimiter, sameOriginOnly } from './security.js';
import { MIN_PASSWORD_LENGTH, type User } from './users.js';

interface PasswordErrors {
  current?: string;
  next?: string;
}

function renderPasswordPage(res: Response, user: User, { errors = {}, changed = false, status = 200 }: { errors?: PasswordErrors; changed?: boolean; status?: number }): void {
  const invalid = (message: string | undefined, id: string) =>
    message ? html` aria-invalid="true" aria-describedby="${id}"` : html``;
  renderPage(res, {
    title: 'Change password',
    user,
    status,
    current: '/account/password',
    body: html`
${changed && html`<p class="notice" role="status">Your password was changed. Your other sessions were signed out; this one stays signed in.</p>`}
<form method="post" action="/account/password" class="card narrow">
  <label for="current-password">Current password</label>
  <input id="current-password" name="current_password" type="password" autocomplete="current-password" required${invalid(errors.current, 'current-password-error')}>
  ${errors.current && html`<p id="current-password-error" class="error field-error">${errors.current}</p>`}
  <label for="new-password">New password</label>
  <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${invalid(errors.next, 'new-password-error')}>
  ${errors.next && html`<p id="new-password-error" class="error field-error">${errors.next}</p>`}
  <p class="hint">At least ${MIN_PASSWORD_LENGTH} characters. Changing it signs out your other sessions.</p>
  <button type="submit">Change password</button>
</form>`,
  });
}

export function accountRoutes(ctx: DemoContext): Router {
  const router = express.Router();
  const signedIn = requireUser(ctx);
  const failures = createRateLimiter({ limit: 10, windowMs: 15 * 60_000 });

  router.get('/account/sessions', signedIn, (_req, res) => {
    renderPage(res, {
      title: 'My sessions',
      user: res.locals.user,
      current: '/account/sessions',
      scripts: ['/static/sessions.js'],
      body: html`
<p>Where you are signed in. Revoke a session you do not recognise; it is signed out at its next request.</p>
<div id="sessions-message" class="message" role="alert"></div>
<p id="sessions-status" class="status" role="status">Loading your sessions…</p>
<table id="sessions" class="sessions">
  <caption class="visually-hidden">Your sessions</caption>
  <thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
  <tbody id="sessions-body"></tbody>
</table>
<p><button type="button" id="revoke-others" class="danger">Sign out other sessions</button></p>
<noscript><p class="error">This page needs JavaScript to list and revoke sessions.</p></noscript>`,
    });
  });

  router.get('/account/password', signedIn, (req, res) => {
    renderPasswordPage(res, res.locals.user, { changed: req.query.changed === '1' });
  });

  router.post(
    '/account/password',
    sameOriginOnly,
    signedIn,
    express.urlencoded({ extended: false, limit: '4kb' }),
    // The body may have arrived after the session was revoked: ask the registry again before acting.
    ctx.guard.recheckSession,
    async (req, res, next) => {
      try {
        const { user } = res.locals;
        const body = (req.body ?? {}) as Record<string, unknown>;
        const current = typeof body.current_password === 'string' ? body.current_password : '';
        const proposed = typeof body.new_password === 'string' ? body.new_password : '';
        // Counted before the (slow) check, so concurrent guesses cannot all slip under the limit.
        const ticket = failures.reserve(user.username);
        if (!ticket) {
          res.setHeader('Retry-After', String(failures.retryAfter(user.username)));
          renderPasswordPage(res, user, { status: 429, errors: { current: 'Too many failed attempts. Wait a few minutes and try again.' } });
          return;
        }
        if (!(await ctx.users.verify(user.username, current))) {
          renderPasswordPage(res, user, { status: 400, errors: { current: 'Your current password is not right.' } });
          return;
        }
        ticket.giveBack();
        if (proposed.length < MIN_PASSWORD_LENGTH || proposed.length > 200) {
          renderPasswordPage(res, user, { status: 400, errors: { next: `Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters.` } });
          return;
        }
        if (proposed === current) {
          renderPasswordPage(res, user, { status: 400, errors: { next: 'Choose a password different from the current one.' } });
          return;
        }
        const sessionAuthHash = await ctx.users.setPassword(user.username, proposed);
        // Throws SessionEndedError if this session was revoked meanwhile; guard.errorHandler answers it.
        await ctx.guard.passwordChanged(req, user.username, { sessionAuthHash });
        log(`password changed: ${user.username}`);
        res.redirect(303, '/account/password?changed=1');
      } catch (error) {
        next(error);
      }
    },
  );

  return router;
}
