/**
 * The work page (a long-lived form whose text must survive a timeout) and the
 * small JSON API it uses: `GET /api/me`, `GET /api/notes`, `POST /api/notes`.
 */
import express, { type Router } from 'express';
import { requireUser, type DemoContext } from './context.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { sameOriginOnly, sendError } from './security.js';

const MAX_NOTES = 20_000;

function notesFrom(body: unknown): string | null {
  const notes = body && typeof body === 'object' ? (body as Record<string, unknown>).notes : undefined;
  return typeof notes === 'string' && notes.length <= MAX_NOTES ? notes : null;
}

export function workRoutes(ctx: DemoContext): Router {
  const router = express.Router();
  const signedIn = requireUser(ctx);

  router.get('/', signedIn, (req, res) => {
    const { user } = res.locals;
    const saved = ctx.notes.get(user.username) ?? '';
    renderPage(res, {
      title: 'Work',
      user,
      current: '/',
      scripts: ['/static/notes.js'],
      body: html`
<p>Type something below and leave the page alone: a warning comes after ${ctx.config.warnAfter} seconds without
activity, and the session ends after ${ctx.config.expireAfter} seconds. Sign in again in place and your text is still here.</p>
<form id="notes-form" method="post" action="/notes" class="card">
  <label for="notes">Notes</label>
  <textarea id="notes" name="notes" rows="10" maxlength="${MAX_NOTES}" aria-describedby="notes-status">${saved}</textarea>
  <div class="actions">
    <button type="submit">Save notes</button>
    <p id="notes-status" class="status" role="status">${req.query.saved === '1' ? 'Notes saved.' : ''}</p>
  </div>
</form>`,
    });
  });

  // Without JavaScript the notes form posts here.
  // Each state change asks the registry again once its body has arrived (guard.recheckSession): the
  // session may have been revoked while the body was on its way.
  router.post('/notes', sameOriginOnly, signedIn, express.urlencoded({ extended: false, limit: '64kb' }), ctx.guard.recheckSession, (req, res) => {
    const notes = notesFrom(req.body);
    if (notes === null) {
      sendError(res, 400, 'invalid_body', `Notes must be text of at most ${MAX_NOTES} characters.`);
      return;
    }
    ctx.notes.set(res.locals.user.username, notes);
    res.redirect(303, '/?saved=1');
  });

  router.get('/api/me', signedIn, (_req, res) => {
    res.json({ username: res.locals.user.username });
  });

  router.get('/api/notes', signedIn, (_req, res) => {
    res.json({ notes: ctx.notes.get(res.locals.user.username) ?? '' });
  });

  router.post('/api/notes', sameOriginOnly, signedIn, express.json({ limit: '64kb' }), ctx.guard.recheckSession, (req, res) => {
    const notes = notesFrom(req.body);
    if (notes === null) {
      sendError(res, 400, 'invalid_body', `Send {"notes": text} with at most ${MAX_NOTES} characters.`);
      return;
    }
    ctx.notes.set(res.locals.user.username, notes);
    res.json({ saved: true, notes, savedAt: new Date(ctx.clock.now()).toISOString() });
  });

  return router;
}
