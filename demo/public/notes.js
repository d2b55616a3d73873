// Saves the work page's notes through the SDK's fetch wrapper, so a save made
// while the session has expired is held, the sign-in dialog opens, and the
// save is retried with the same body after signing in. Without the SDK the
// form posts normally.
(() => {
  'use strict';
  const form = document.getElementById('notes-form');
  const notes = document.getElementById('notes');
  const status = document.getElementById('notes-status');
  if (!form || !notes || !status) return;

  form.addEventListener('submit', async (event) => {
    const guard = window.SessionGuard && window.SessionGuard.current;
    if (!guard || typeof guard.fetch !== 'function') return;
    event.preventDefault();
    status.textContent = 'Saving…';
    try {
      const response = await guard.fetch('/api/notes', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ notes: notes.value }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      status.textContent = `Notes saved (${body.notes.length} characters).`;
    } catch {
      status.textContent = 'Your notes could not be saved. Try again.';
    }
  });
})();
