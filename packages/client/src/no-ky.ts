/**
 * What the script tag (`sessionguard.min.js`) has in place of `ky-http.ts`:
 * its build resolves that module to this one. The guard's own requests use
 * `fetch`, so only `guard.http`, ky's instance, needs ky; a page with a script
 * tag has no bundler to give it ky, and `guard.fetch` holds and retries
 * requests the same way. Carrying ky would cost every such page 4.7 kB
 * gzipped.
 */
export function createKyHttp(): never {
  throw new Error(
    'guard.http is a ky instance, and the script tag (sessionguard.min.js) does not carry ky: use guard.fetch, which holds and retries requests the same way, or @sessionguard/client from npm with ky installed',
  );
}
