/**
 * `GET /admin/users` (admins only): a `Sign out everywhere` button per user.
 * The buttons call the guard's admin API (`POST /admin/sessions/revoke`)
 * from a static page script (public/admin.js), so signing someone out goes
 * through the API's checks: CSRF header, rate limit, a recent sign-in and
 * the same permission (admins may sign out anyone but other admins). There
 * is no plain form post beside it that would skip them.
 */
import express, { type RequestHandler, type Router } from 'express';
import { requireUser, type DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';

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

  router.get('/admin/users', signedIn, adminOnly, (_req, res) => {
    const actor = res.locals.user;
    renderPage(res, {
      title: 'Users',
      user: actor,
      current: '/admin/users',
      scripts: ['/static/admin.js'],
      body: html`
<div id="admin-message" class="message" role="alert"></div>
<p id="admin-status" class="status" role="status"></p>
<table class="users">
  <caption class="visually-hidden">Users</caption>
  <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
  <tbody>
  ${ctx.users.all().map((user, index) => {
    const allowed = ctx.users.canRevoke(actor.username, user.username);
    return html`<tr>
      <th scope="row" id="user-${index}">${user.username}</th>
      <td>${user.role === 'admin' ? 'Administrator' : 'User'}</td>
      <td>${
        allowed
          ? html`<button type="button" class="danger" data-sign-out="${user.username}" aria-describedby="user-${index}">Sign out everywhere</button>`
          : html`<span class="hint">Administrators cannot sign out other administrators.</span>`
      }</td>
    </tr>`;
  })}
  </tbody>
</table>
<noscript><p class="error">This page needs JavaScript to sign users out.</p></noscript>`,
    });
  });

  return router;
}
