/**
 * The page shell every demo page shares: header with navigation and the
 * `Sign out` button, the one stylesheet, and on signed-in pages the SDK's one
 * `<script>` tag configured through `data-*` attributes. No inline script or
 * style anywhere, so the strict CSP holds.
 */
import type { Response } from 'express';
import { html, type SafeHtml } from './html.js';
import type { User } from './users.js';

export interface PageOptions {
  title: string;
  /** The signed-in user; `null` on public pages (no SDK, no navigation). */
  user: User | null;
  body: SafeHtml;
  /** Extra page scripts (static files under /static), loaded after the SDK. */
  scripts?: string[];
  status?: number;
  /** The navigation entry to mark as current. */
  current?: string;
}

const NAV: ReadonlyArray<{ href: string; label: string; admin?: boolean }> = [
  { href: '/', label: 'Work' },
  { href: '/account/sessions', label: 'My sessions' },
  { href: '/account/password', label: 'Password' },
  { href: '/admin/users', label: 'Admin', admin: true },
];

function sdkScript(user: User, nonce: string): SafeHtml {
  return html`<script src="/sessionguard/sessionguard.min.js"
    data-base-url="/session" data-sign-in-url="/login" data-logout-url="/logout"
    data-reauthenticate-url="/reauthenticate"
    data-login-page-url="/login" data-username="${user.username}" data-locale="en"
    data-nonce="${nonce}"></script>`;
}

export function renderPage(res: Response, { title, user, body, scripts = [], status = 200, current }: PageOptions): void {
  const nav =
    user &&
    html`<nav aria-label="Main"><ul>${NAV.filter((item) => !item.admin || user.role === 'admin').map(
      (item) =>
        html`<li><a href="${item.href}"${item.href === current ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
    )}</ul></nav>
    <div class="who"><span>Signed in as <strong>${user.username}</strong></span>
      <form method="post" action="/logout" data-sessionguard-logout><button type="submit" class="secondary">Sign out</button></form>
    </div>`;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · sessionguard demo</title>
<link rel="stylesheet" href="/static/demo.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="site"><a class="brand" href="/">sessionguard demo</a>${nav}</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
${user && sdkScript(user, res.locals.nonce)}
${scripts.map((src) => html`<script src="${src}"></script>`)}
</body>
</html>
`;
  res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(doc.value);
}
