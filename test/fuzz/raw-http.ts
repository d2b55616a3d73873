/**
 * A raw HTTP/1.1 client over a TCP socket, so the fuzz tests can send what
 * fetch, undici and supertest refuse to: duplicated or malformed headers,
 * invalid UTF-8, mismatched framing, any method and path bytes.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Request target as sent (already encoded). */
  path: string;
  /** Header lines in order; a name may repeat. */
  headers: Array<[string, string]>;
  body?: Buffer;
  /**
   * How the body is framed: a correct `Content-Length` (default), chunked, or
   * a given (possibly malformed) `Content-Length` value sent verbatim.
   */
  framing?: { kind: 'length' } | { kind: 'chunked' } | { kind: 'declared'; value: string };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole answer as text (status line, headers, body). */
  raw: string;
}

/** Sends one request on a fresh connection and reads the first answer. */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('latin1');
      const parsed = parseResponse(text, error !== undefined);
      if (parsed) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(parsed);
      } else if (error) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`${error.message}; received ${JSON.stringify(text.slice(0, 300))}`));
      }
    };
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      finish();
    });
    socket.on('end', () => finish(new Error('connection closed')));
    // The server may close while we still write an oversized body; the answer it sent first is still read.
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('connection closed')));

    const body = request.body ?? Buffer.alloc(0);
    const framing = request.framing ?? { kind: 'length' };
    const lines = [`${request.method} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1:' + port, 'Connection: close'];
    for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
    let payload = body;
    if (framing.kind === 'length') {
      if (body.length > 0 || request.method !== 'GET') lines.push(`Content-Length: ${body.length}`);
    } else if (framing.kind === 'declared') {
      lines.push(`Content-Length: ${framing.value}`);
    } else {
      lines.push('Transfer-Encoding: chunked');
      payload = Buffer.concat([
        ...(body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : []),
        Buffer.from('0\r\n\r\n'),
      ]);
    }
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    socket.write(Buffer.concat([head, payload]));
  });
}

/** Parses the first complete HTTP response in `text`; null while incomplete. */
function parseResponse(text: string, closed: boolean): RawResponse | null {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const [statusLine, ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!Number.isInteger(status)) return null;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = text.slice(headEnd + 4);
  let body: string;
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    body = '';
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd === -1) return null;
      const size = parseInt(rest.slice(at, lineEnd), 16);
      if (!Number.isFinite(size)) return null;
      if (size === 0) break;
      if (rest.length < lineEnd + 2 + size + 2) return null;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return null;
    body = rest.slice(0, length);
  } else {
    // No framing: the body runs to the end of the connection.
    if (!closed) return null;
    body = rest;
  }
  return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw: text };
}
