/**
 * The one stylesheet of the dialogs and the notice, injected as a `<style>`
 * element (with the page's CSP nonce when given): no inline `style`
 * attributes anywhere, so a strict Content-Security-Policy works. Themed
 * through custom properties: `--sessionguard-bg`, `-fg`, `-accent`,
 * `-accent-fg`, `-radius`, `-font`, `-backdrop`, `-error`; dark defaults
 * under `prefers-color-scheme: dark`; the fade-in only runs under
 * `prefers-reduced-motion: no-preference`.
 */
export const CSS =
  '.sg-b,.sg-n,.sg-c{--b:var(--sessionguard-bg,#fff);--f:var(--sessionguard-fg,#1d1d1f);--a:var(--sessionguard-accent,#0b57d0);--c:var(--sessionguard-accent-fg,#fff);--e:var(--sessionguard-error,#b3261e);--r:var(--sessionguard-radius,.5rem);z-index:2147483647;position:fixed}' +
  '.sg-b{inset:0;display:grid;place-items:center;padding:1rem;background:var(--sessionguard-backdrop,#0008)}' +
  '@media(prefers-color-scheme:dark){.sg-b,.sg-n,.sg-c{--b:var(--sessionguard-bg,#1f1f23);--f:var(--sessionguard-fg,#f2f2f5);--a:var(--sessionguard-accent,#a8c7fa);--c:var(--sessionguard-accent-fg,#062e6f);--e:var(--sessionguard-error,#f2b8b5)}}' +
  '.sg-d{box-sizing:border-box;max-width:28rem;width:100%;padding:1.5rem;border-radius:var(--r);background:var(--b);color:var(--f);font:1rem/1.5 var(--sessionguard-font,system-ui,sans-serif)}' +
  '.sg-n{bottom:1rem;left:0;right:0;margin:auto;display:flex;gap:1rem;align-items:center;border:2px solid var(--e);width:calc(100% - 2rem)}.sg-n p{margin:0;flex:1}' +
  '.sg-d h2{margin:0 0 .5rem;font-size:1.25rem}.sg-d p{margin:0 0 1rem}.sg-r{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}' +
  '.sg-d button,.sg-d input{font:inherit;color:inherit;background:none;border:2px solid var(--a);border-radius:var(--r);padding:.5rem 1rem}' +
  '.sg-d .sg-p{background:var(--a);color:var(--c)}.sg-d label{display:block;font-weight:600;margin-top:.75rem}' +
  '.sg-d input{box-sizing:border-box;width:100%;padding:.4rem .5rem;border:1px solid}.sg-d [aria-invalid=true]{border:2px solid var(--e)}' +
  '.sg-e{color:var(--e);font-weight:600}.sg-e:empty{display:none}.sg-d :focus-visible{outline:3px solid var(--a);outline-offset:2px}' +
  '.sg-c{bottom:1rem;right:1rem;display:grid;gap:.5rem;width:min(28rem,calc(100% - 2rem))}.sg-c .sg-d{border:2px solid var(--a)}.sg-l{list-style:none;padding:0;margin:0}.sg-l li{margin:0 0 .75rem}.sg-l p{margin:0 0 .25rem}' +
  '.sg-s{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}' +
  '@media(prefers-reduced-motion:no-preference){.sg-d{animation:sg .2s ease-out}@keyframes sg{from{opacity:0;transform:translateY(.5rem)}}}';

const STYLE_ID = 'sessionguard-style';

/** Adds the stylesheet to `doc` once; returns a function that removes it. */
export function injectStyles(doc: Document, nonce: string | null): () => void {
  let style = doc.getElementById(STYLE_ID);
  if (!style) {
    style = doc.createElement('style');
    style.id = STYLE_ID;
    if (nonce) style.setAttribute('nonce', nonce);
    style.textContent = CSS;
    doc.head.append(style);
  }
  return () => style.remove();
}
