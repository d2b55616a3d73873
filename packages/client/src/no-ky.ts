/**
 * What the script tag (`sessionguard.min.js`) has in place of ky: the build
 * resolves `ky` to this module. The guard's own requests use `fetch`, so only
 * `guard.http`, ky's instance, needs ky; a page with a script tag has no
 * bundler to give it ky, and `guard.fetch` holds and retries requests the
 * same way. Carrying ky would cost every such page 4.7 kB gzipped.
 */
const ky = {
  create(): never {
    throw new Error(
      'guard.http is a ky instance, and the script tag (sessionguard.min.js) does not carry ky: use guard.fetch, which holds and retries requests the same way, or @sessionguard/client from npm with ky installed',
    );
  },
};
export default ky;
