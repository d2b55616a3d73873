/**
 * A small React app for test/browser/react.test.ts, bundled by esbuild at test
 * time and served at /__react_test__ on the demo's origin: it draws its own
 * warning from useSessionGuard(), with a countdown to expiresAt and a "Stay"
 * button calling extend(); the page's config says whether the provider also
 * mounts the built-in dialogs. StrictMode, as apps ship it in development:
 * the provider's effect runs twice.
 */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { SessionGuardProvider, useSessionGuard } from '@sessionguard/react';
import type { SessionGuardOptions } from '@sessionguard/client';

/** The time, once a second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function OwnWarning() {
  const { status, expiresAt, extend } = useSessionGuard();
  const now = useNow(status === 'warning');
  if (status !== 'warning' || expiresAt === null) return null;
  const left = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return (
    <section role="dialog" aria-labelledby="own-warning-title">
      <h2 id="own-warning-title">Still working?</h2>
      <p data-testid="countdown">Signing you out in {left} s</p>
      <p data-testid="expires-at">{new Date(expiresAt).toISOString()}</p>
      <button type="button" onClick={extend}>
        Stay
      </button>
    </section>
  );
}

function App() {
  const { status, warnAt } = useSessionGuard();
  return (
    <main>
      <h1>React page</h1>
      <p data-testid="status">{status}</p>
      <p data-testid="warn-at">{warnAt === null ? 'unknown' : new Date(warnAt).toISOString()}</p>
      <OwnWarning />
    </main>
  );
}

const { options, dialogs } = JSON.parse(document.getElementById('page-config')!.textContent!) as { options: SessionGuardOptions; dialogs: boolean };
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionGuardProvider options={options} dialogs={dialogs}>
      <App />
    </SessionGuardProvider>
  </StrictMode>,
);
