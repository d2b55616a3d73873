/**
 * `GET /admin/users` (admins only): a `Sign out everywhere` button per user,
 * a plain form that calls `guard.revokeUser` after the same permission check
 * the guard's admin API uses (admins may sign out anyone but other admins).
 */
import express, { type RequestHandler, type Router } from 'express';
import { requireUser, type DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { log } from './logger.js';
import { sameOriginOnly } from './security.js';

export function adminRoutes(ctx: DemoContext): Router {
  const router = express.Router();
  const signedIn = requireUser(ctx);
  const adminOnly: RequestHandler = (_req, res, next) => {
    if (res.locals.user.role === 'admin') return next();
    renderPage(res, {
      title: 'Not allowed',
      user: res.locals.user,
      status: 403,
      body: html`<p>Only administrators can see this page.</p>`,
    });
  };

  router.get('/admin/users', signedIn, adminOnly, (req, res) => {
    const actor = res.locals.user;
    const done = typeof req.query.signedOut === 'string' ? ctx.users.get(req.query.signedOut) : null;
    const refused = typeof req.query.refused === 'string' ? ctx.users.get(req.query.refused) : null;
    renderPage(res, {
      title: 'Users',
      user: actor,
      current: '/admin/users',
      body: html`
${done && html`<p class="notice" role="status">${done.username} was signed out everywhere.</p>`}
${refused && html`<p class="error" role="alert">You may not sign out ${refused.username}.</p>`}
<table class="users">
  <caption class="visually-hidden">Users</caption>
  <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
  <tbody>
  ${ctx.users.all().map((user) => {
    const allowed = ctx.users.canRevoke(actor.username, user.username);
    return html`<tr>
      <th scope="row">${user.username}</th>
      <td>${user.role === 'admin' ? 'Administrator' : 'User'}</td>
      <td>${
        allowed
          ? html`<form method="post" action="/admin/users/${encodeURIComponent(user.username)}/sign-out"><button type="submit" class="danger">Sign out everywhere</button></form>`
          : html`<span class="hint">Administrators cannot sign out other administrators.</span>`
      }</td>
    </tr>`;
  })}
  </tbody>
</table>`,
    });
  });

  router.post('/admin/users/:username/sign-out', sameOriginOnly, signedIn, adminOnly, async (req, res, next) => {
    try {
      const actor = res.locals.user.username;
      const target = ctx.users.get(String(req.params.username));
      if (!target) {
        res.redirect(303, '/admin/users');
        return;
      }
      if (!ctx.users.canRevoke(actor, target.username)) {
        res.redirect(303, `/admin/users?refused=${encodeURIComponent(target.username)}`);
        return;
      }
      const ended = await ctx.guard.revokeUser(target.username);
      log(`admin ${actor} signed out ${target.username} everywhere (${ended} session${ended === 1 ? '' : 's'})`);
      // Signing oneself out everywhere ends this session too; the redirect then lands on sign-in.
      res.redirect(303, `/admin/users?signedOut=${encodeURIComponent(target.username)}`);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
