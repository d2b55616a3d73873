/**
 * The one stylesheet of the dialogs, injected as a `<style>` element (with
 * the page's CSP nonce when given): no inline `style` attributes anywhere, so
 * a strict Content-Security-Policy works. Themed through custom properties:
 * `--sessionguard-bg`, `-fg`, `-accent`, `-accent-fg`, `-radius`, `-font`,
 * `-backdrop`, `-error`; dark defaults under `prefers-color-scheme: dark`; the fade-in
 * only runs under `prefers-reduced-motion: no-preference`.
 */
export const CSS =
  '.sg-b{--sg-bg:var(--sessionguard-bg,#fff);--sg-fg:var(--sessionguard-fg,#1d1d1f);--sg-ac:var(--sessionguard-accent,#0b57d0);--sg-af:var(--sessionguard-accent-fg,#fff);--sg-er:var(--sessionguard-error,#b3261e);--sg-ra:var(--sessionguard-radius,.5rem);' +
  'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;padding:1rem;background:var(--sessionguard-backdrop,rgba(0,0,0,.55))}' +
  '@media (prefers-color-scheme:dark){.sg-b{--sg-bg:var(--sessionguard-bg,#1f1f23);--sg-fg:var(--sessionguard-fg,#f2f2f5);--sg-ac:var(--sessionguard-accent,#a8c7fa);--sg-af:var(--sessionguard-accent-fg,#062e6f);--sg-er:var(--sessionguard-error,#f2b8b5)}}' +
  '.sg-d{box-sizing:border-box;max-width:28rem;width:100%;padding:1.5rem;border-radius:var(--sg-ra);background:var(--sg-bg);color:var(--sg-fg);font:1rem/1.5 var(--sessionguard-font,system-ui,sans-serif);box-shadow:0 .5rem 2rem rgba(0,0,0,.3)}' +
  '.sg-d h2{margin:0 0 .5rem;font-size:1.25rem}.sg-d p{margin:0 0 1rem}' +
  '.sg-r{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}' +
  '.sg-d button{font:inherit;padding:.5rem 1rem;border-radius:var(--sg-ra);border:2px solid var(--sg-ac);background:transparent;color:inherit;cursor:pointer}' +
  '.sg-d .sg-p{background:var(--sg-ac);color:var(--sg-af)}' +
  '.sg-d label{display:block;font-weight:600;margin-top:.75rem}' +
  '.sg-d input{box-sizing:border-box;width:100%;font:inherit;padding:.4rem .5rem;border:1px solid currentColor;border-radius:.25rem;background:transparent;color:inherit}' +
  '.sg-d [aria-invalid=true]{border:2px solid var(--sg-er)}' +
  '.sg-e{color:var(--sg-er);font-weight:600;margin:.5rem 0 0}.sg-e:empty{display:none}' +
  '.sg-d :focus-visible{outline:3px solid var(--sg-ac);outline-offset:2px}' +
  '.sg-s{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}' +
  '@media (prefers-reduced-motion:no-preference){.sg-d{animation:sg-in .2s ease-out}@keyframes sg-in{from{opacity:0;transform:translateY(.5rem)}}}';

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
