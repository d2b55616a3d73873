// The admin page: "Sign out everywhere" calls the guard's admin API
// (POST /admin/sessions/revoke with the X-SessionGuard header), so it goes
// through the same checks as any other client of that API: CSRF header and
// origin, rate limit, a recent sign-in, the canRevoke permission. A stale
// sign-in gets "sign in again". Built with DOM APIs only (no innerHTML).
(() => {
  'use strict';
  const API = '/admin/sessions/revoke';
  const message = document.getElementById('admin-message');
  const status = document.getElementById('admin-status');
  const buttons = document.querySelectorAll('button[data-sign-out]');
  if (!message || !status) return;
  const sdk = document.querySelector('script[data-username]');
  const me = sdk ? sdk.getAttribute('data-username') : null;

  const request = (url, init) => {
    const guard = window.SessionGuard && window.SessionGuard.current;
    const headers = { Accept: 'application/json', 'Content-Type': 'application/json', 'X-SessionGuard': '1' };
    const options = { credentials: 'same-origin', ...init, headers };
    return guard && typeof guard.fetch === 'function' ? guard.fetch(url, options) : fetch(url, options);
  };

  const showMessage = (text, link) => {
    message.replaceChildren();
    if (!text) return;
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = text;
    if (link) {
      const a = document.createElement('a');
      a.textContent = link.text;
      a.href = link.href;
      p.append(' ', a);
    }
    message.append(p);
  };

  const errorOf = async (response) => {
    try {
      const data = await response.json();
      return data && typeof data.error === 'string' ? data.error : '';
    } catch {
      return '';
    }
  };

  const explain = async (response, username) => {
    const code = await errorOf(response);
    if (code === 'reauthentication_required') {
      showMessage('For your security, sign in again before you sign users out.', {
        text: 'Sign in again',
        href: `/login?next=${encodeURIComponent(location.pathname)}`,
      });
    } else if (code === 'forbidden') {
      showMessage(`You may not sign out ${username}.`);
    } else if (code === 'rate_limited' || response.status === 429) {
      showMessage('Too many requests. Wait a moment and try again.');
    } else if (code === 'session_revoked' || code === 'session_expired' || code === 'unauthenticated') {
      showMessage('You are signed out.', { text: 'Sign in again', href: `/login?next=${encodeURIComponent(location.pathname)}` });
    } else {
      showMessage(`That did not work (${code || `HTTP ${response.status}`}). Try again.`);
    }
  };

  const signOut = async (username, button) => {
    button.disabled = true;
    showMessage('');
    status.textContent = '';
    try {
      const response = await request(API, { method: 'POST', body: JSON.stringify({ userIds: [username] }) });
      if (!response.ok) {
        await explain(response, username);
        return;
      }
      // Signing oneself out everywhere ended this session too.
      if (username === me) {
        location.assign('/login');
        return;
      }
      status.textContent = `${username} was signed out everywhere.`;
    } catch {
      showMessage('The server could not be reached. Try again.');
    } finally {
      button.disabled = false;
    }
  };

  for (const button of buttons) {
    button.addEventListener('click', () => signOut(button.getAttribute('data-sign-out'), button));
  }
})();
