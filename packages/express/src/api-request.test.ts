import { afterEach, describe, expect, it } from 'vitest';
import { signIn, startTestApp, type TestApp } from './test-app.js';

/**
 * Which requests of an ended session get 401 JSON and which a 303 to the
 * login page (the default `isApiRequest`): a browser's own navigation, a
 * plain `<form>` post included, is a page; `fetch`, XHR and clients that
 * say nothing are API calls.
 */
let app: TestApp;
afterEach(async () => {
  await app?.close();
});

async function expiredAgent() {
  app = await startTestApp();
  const agent = app.agent();
  await signIn(agent, 'alice');
  app.clock.advance(61);
  return agent;
}

describe('an ended session: page or API', () => {
  it('a plain form post (a navigation) goes to the login page, back to the page the form was on, and saves nothing', async () => {
    const agent = await expiredAgent();
    const res = await agent
      .post('/notes')
      .set({ Accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'Sec-Fetch-Mode': 'navigate', Referer: `${app.origin}/work?tab=2` })
      .type('form')
      .send('text=draft')
      .expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/work?tab=2')}`);
    expect(app.notes.has('alice')).toBe(false);
  });

  it('a form post from a browser without Fetch Metadata is a page too', async () => {
    const agent = await expiredAgent();
    const res = await agent.post('/notes').set({ Accept: 'text/html', Referer: `${app.origin}/work` }).type('form').send('text=draft').expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/work')}`);
  });

  it('without a Referer, the form post returns to the path it was posted to', async () => {
    const agent = await expiredAgent();
    const res = await agent.post('/notes').set({ Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' }).type('form').send('text=draft').expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/notes')}`);
  });

  it('never returns to another site the Referer names', async () => {
    const agent = await expiredAgent();
    const res = await agent
      .post('/notes')
      .set({ Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate', Referer: 'https://evil.example/work' })
      .type('form')
      .send('text=draft')
      .expect(303);
    expect(res.headers.location).toBe('/login?next=%2F');
  });

  it('a fetch() post gets 401 JSON, whatever it accepts', async () => {
    const agent = await expiredAgent();
    const res = await agent.post('/notes').set({ 'Sec-Fetch-Mode': 'cors', Accept: 'text/html' }).send({ text: 'draft' }).expect(401);
    expect(res.body).toMatchObject({ error: 'session_expired' });
  });

  it('a fetch() GET accepting anything gets 401 JSON, not a login page to parse', async () => {
    const agent = await expiredAgent();
    const res = await agent.get('/api/me').set({ 'Sec-Fetch-Mode': 'same-origin', Accept: '*/*' }).expect(401);
    expect(res.body).toMatchObject({ error: 'session_expired' });
  });

  it('a link followed (a GET navigation) goes to the login page', async () => {
    const agent = await expiredAgent();
    const res = await agent.get('/page').set({ 'Sec-Fetch-Mode': 'navigate', Accept: '*/*' }).expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/page')}`);
  });

  it('a client that says nothing (curl) posting gets 401 JSON', async () => {
    const agent = await expiredAgent();
    const res = await agent.post('/notes').send({ text: 'draft' }).expect(401);
    expect(res.body).toMatchObject({ error: 'session_expired' });
    expect(app.notes.has('alice')).toBe(false);
  });
});
