'use strict';
/** The example's pages: one shared layout, escaped text, the SDK's script tag on every page. */

const escapeHtml = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * The shared layout. The script tag is on every page, the login page
 * included: on a page without a signed-in session it stays inert.
 */
function layout({ title, user, csrfToken, body }) {
  const nav = user
    ? `<p>Signed in as <strong>${escapeHtml(user)}</strong></p>
<form method="post" action="/logout" data-sessionguard-logout>
  <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
  <button type="submit">Sign out</button>
</form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeHtml(csrfToken)}">
<title>${escapeHtml(title)} · Passport example</title>
</head>
<body>
<header>${nav}</header>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
<script src="/sessionguard/sessionguard.min.js"
  data-base-url="/session" data-sign-in-url="/login" data-logout-url="/logout" data-login-page-url="/login"
  data-csrf-meta="csrf-token" data-csrf-field="_csrf" data-csrf-token-url="/csrf-token"
  ${user ? `data-username="${escapeHtml(user)}"` : ''}></script>
</body>
</html>
`;
}

function loginPage({ csrfToken, next, error }) {
  return layout({
    title: 'Sign in',
    user: null,
    csrfToken,
    body: `<form method="post" action="/login">
  ${error ? `<p role="alert" id="login-error">${escapeHtml(error)}</p>` : ''}
  <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
  ${next ? `<input type="hidden" name="next" value="${escapeHtml(next)}">` : ''}
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  });
}

function notesPage({ user, csrfToken, notes, saved }) {
  return layout({
    title: 'Notes',
    user,
    csrfToken,
    body: `${saved ? '<p role="status">Saved.</p>' : ''}
<form method="post" action="/notes">
  <input type="hidden" name="_csrf" value="${escapeHtml(csrfToken)}">
  <label for="notes">Your notes</label>
  <textarea id="notes" name="notes" rows="6">${escapeHtml(notes)}</textarea>
  <button type="submit">Save</button>
</form>`,
  });
}

module.exports = { layout, loginPage, notesPage, escapeHtml };
