// The "My sessions" page: lists the signed-in user's sessions from the
// guard's sessions API and revokes one or all others. Every request carries
// the X-SessionGuard header the API requires. Built with DOM APIs only (no
// innerHTML), so nothing from the server is ever parsed as markup.
(() => {
  'use strict';
  const API = '/session/sessions';
  const body = document.getElementById('sessions-body');
  const status = document.getElementById('sessions-status');
  const message = document.getElementById('sessions-message');
  const revokeOthers = document.getElementById('revoke-others');
  if (!body || !status || !message || !revokeOthers) return;

  const request = (url, init = {}) => {
    const guard = window.SessionGuard && window.SessionGuard.current;
    const headers = { Accept: 'application/json', 'X-SessionGuard': '1', ...(init.headers || {}) };
    const options = { credentials: 'same-origin', ...init, headers };
    return guard && typeof guard.fetch === 'function' ? guard.fetch(url, options) : fetch(url, options);
  };

  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };

  const when = (value) => {
    if (value === null || value === undefined) return '—';
    const date = new Date(typeof value === 'number' && value < 1e11 ? value * 1000 : value);
    if (Number.isNaN(date.getTime())) return '—';
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  };

  const describe = (session) => {
    const parts = [session.browser, session.os, session.device]
      .map((part) => (part && typeof part === 'object' ? [part.name, part.version].filter(Boolean).join(' ') : part))
      .filter((part) => typeof part === 'string' && part.length > 0);
    return parts.length > 0 ? parts.join(' · ') : session.userAgent || 'Unknown device';
  };

  const showMessage = (text, link) => {
    message.replaceChildren();
    if (!text) return;
    const p = el('p', text, 'error');
    if (link) {
      p.append(' ');
      const a = el('a', link.text);
      a.href = link.href;
      p.append(a);
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

  const explain = async (response) => {
    const code = await errorOf(response);
    if (code === 'reauthentication_required') {
      showMessage('For your security, sign in again before you sign out other sessions.', {
        text: 'Sign in again',
        href: `/login?next=${encodeURIComponent(location.pathname)}`,
      });
    } else if (code === 'rate_limited' || response.status === 429) {
      showMessage('Too many requests. Wait a moment and try again.');
    } else if (code === 'not_found' || response.status === 404) {
      showMessage('That session had already ended.');
    } else {
      showMessage(`That did not work (${code || `HTTP ${response.status}`}). Try again.`);
    }
  };

  const render = (sessions) => {
    body.replaceChildren();
    for (const session of sessions) {
      const row = el('tr');
      const device = el('th', describe(session));
      device.scope = 'row';
      device.id = `session-${session.publicId}`;
      if (session.current) device.append(' ', el('span', 'This device', 'badge'));
      row.append(device, el('td', session.ip || '—'), el('td', when(session.createdAt)), el('td', when(session.lastActivity)));
      const action = el('td');
      if (!session.current) {
        const button = el('button', 'Revoke', 'danger');
        button.type = 'button';
        button.setAttribute('aria-describedby', device.id);
        button.addEventListener('click', () => revoke(session.publicId, button));
        action.append(button);
      }
      row.append(action);
      body.append(row);
    }
    const others = sessions.filter((session) => !session.current).length;
    status.textContent =
      others === 0 ? 'This is your only session.' : `You are signed in on ${others + 1} sessions, this one included.`;
    revokeOthers.disabled = others === 0;
  };

  const load = async () => {
    const response = await request(API);
    if (!response.ok) {
      status.textContent = '';
      await explain(response);
      return;
    }
    const data = await response.json();
    render(Array.isArray(data) ? data : data.sessions || []);
  };

  const revoke = async (publicId, button) => {
    button.disabled = true;
    showMessage('');
    const response = await request(`${API}/${encodeURIComponent(publicId)}`, { method: 'DELETE' });
    if (!response.ok) {
      button.disabled = false;
      await explain(response);
      return;
    }
    await load();
    status.textContent = `Session revoked. ${status.textContent}`;
  };

  revokeOthers.addEventListener('click', async () => {
    revokeOthers.disabled = true;
    showMessage('');
    const response = await request(API, { method: 'DELETE' });
    if (!response.ok) {
      revokeOthers.disabled = false;
      await explain(response);
      return;
    }
    await load();
    status.textContent = `Your other sessions were signed out. ${status.textContent}`;
  });

  load().catch(() => {
    status.textContent = '';
    showMessage('Your sessions could not be loaded. Reload the page to try again.');
  });
})();
