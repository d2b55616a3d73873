import { describe, expect, it } from 'vitest';
import { optionsFromDataset } from './global.js';

describe('the script tag', () => {
  it('reads its options from data-* attributes, with the strings of data-locale', () => {
    const script = document.createElement('script');
    script.setAttribute('data-base-url', '/session');
    script.setAttribute('data-sign-in-url', '/login');
    script.setAttribute('data-logout-url', '/logout');
    script.setAttribute('data-login-page-url', '/login');
    script.setAttribute('data-username', 'alice');
    script.setAttribute('data-locale', 'de');
    script.setAttribute('data-nonce', 'abc');
    script.setAttribute('data-warn-after', '30');
    script.setAttribute('data-expire-after', '60');
    script.setAttribute('data-strings', '{"signIn":"Los"}');
    script.setAttribute('data-reauthenticate-url', '/reauthenticate');
    const options = optionsFromDataset(script.dataset);
    expect(options).toMatchObject({
      baseUrl: '/session',
      signInUrl: '/login',
      logoutUrl: '/logout',
      loginPageUrl: '/login',
      username: 'alice',
      locale: 'de',
      nonce: 'abc',
      warnAfter: 30,
      expireAfter: 60,
      reauthenticateUrl: '/reauthenticate',
    });
    expect(options.strings).toMatchObject({ warningTitle: 'Ihre Sitzung läuft bald ab', signIn: 'Los' });
  });
});
