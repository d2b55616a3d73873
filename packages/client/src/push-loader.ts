import type { PushStream, PushStreamOptions } from './push-stream.js';

/** What the loader resolves to: the stream's module. */
export interface PushStreamModule {
  createPushStream(options: PushStreamOptions): PushStream;
}

/**
 * The push stream, loaded when first wanted: only a leader tab of a live
 * session holds a stream, so its reader (the SSE parser, the event
 * validators, the reconnect policy) is a chunk of its own that an app's
 * bundler loads on demand, not part of the entry every page parses. The
 * script tag, one file, carries it inside (`push-inline.ts`).
 *
 * Until the chunk is in, `want` only records the wish; the stream then
 * starts with the latest one. If the chunk cannot load (offline, a deploy
 * removed it), the page keeps to pings, which carry every end anyway, only
 * later: nothing is lost but speed.
 */
export function lazyPushStream(options: PushStreamOptions, load: () => Promise<PushStreamModule> = () => import('./push-stream.js')): PushStream {
  let stream: PushStream | null = null;
  let wanted = false;
  let loading = false;
  let closed = false;
  return {
    want(on) {
      wanted = on;
      if (stream) return stream.want(on);
      if (!on || loading || closed) return;
      loading = true;
      load().then(
        (loaded) => {
          if (closed) return;
          // From the CommonJS build, `import()` of a .cjs file gives its exports as `default`.
          const module = 'createPushStream' in loaded ? loaded : (loaded as { default: PushStreamModule }).default;
          stream = module.createPushStream(options);
          stream.want(wanted);
        },
        (error: unknown) => console.warn('sessionguard: the push stream could not load; pings carry the session ends', error),
      );
    },
    close() {
      closed = true;
      stream?.close();
    },
  };
}
