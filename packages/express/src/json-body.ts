import type { ErrorCode } from '@sessionguard/core';
import type { Request } from 'express';

/** Result of {@link readJsonBody}. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): JsonBody => ({ ok: false, code, message });

/**
 * Reads a small JSON body with a hard byte limit, reporting every problem as
 * an error code (never Express's HTML error page): no body is
 * `invalid_body`, another media type or any content coding `unsupported_media_type`, too many bytes
 * `payload_too_large`, bad UTF-8 or JSON `invalid_body`.
 *
 * When an app-wide body parser already read the body, its result is used.
 */
export function readJsonBody(req: Request, limit: number): Promise<JsonBody> {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return Promise.resolve(fail('invalid_body', 'A JSON body is required.'));
  if (!req.is('application/json')) return Promise.resolve(fail('unsupported_media_type', 'The body must be application/json.'));
  // Bodies this small are never compressed; reading gzip bytes as identity would let a proxy that
  // decodes them see something else than what we act on, so any coding is refused (as body-parser does for unknown ones).
  const coding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (coding !== 'identity') return Promise.resolve(fail('unsupported_media_type', 'The body must not be content-encoded.'));
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.get('content-type') ?? '')?.[2]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return Promise.resolve(fail('unsupported_media_type', 'The body must be UTF-8 JSON.'));
  }
  if (req.readableEnded || (req.complete && !req.readable)) {
    // An app-wide body parser got here first (body-parser 2 marks nothing else): use what it read.
    return Promise.resolve(req.body === undefined ? fail('invalid_body', 'The body could not be read.') : { ok: true, value: req.body as unknown });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve(fail('payload_too_large', `The body must be at most ${limit} bytes.`));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: JsonBody) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading; the answer closes the connection rather than draining an attacker's upload.
        req.pause();
        finish(fail('payload_too_large', `The body must be at most ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
      } catch {
        finish(fail('invalid_body', 'The body is not valid UTF-8.'));
        return;
      }
      try {
        finish({ ok: true, value: JSON.parse(text) as unknown });
      } catch {
        finish(fail('invalid_body', 'The body is not valid JSON.'));
      }
    };
    const onError = () => finish(fail('invalid_body', 'The body could not be read.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
