/**
 * The little of jsdom's API the HTTP tests use to run a demo page script
 * against the real demo (jsdom ships no types and @types/jsdom is not installed).
 */
declare module 'jsdom' {
  export interface JSDOMOptions {
    url?: string;
    /** 'outside-only' gives the window an `eval` without running the page's own script tags. */
    runScripts?: 'dangerously' | 'outside-only';
  }
  export class JSDOM {
    constructor(html?: string, options?: JSDOMOptions);
    readonly window: Window & typeof globalThis;
  }
}
