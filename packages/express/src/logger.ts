/** Fields of a log line. Never put a session id here: use the public id. */
export type LogFields = Record<string, unknown>;

/** Where sessionguard writes its log lines: a message and structured fields. */
export interface SessionGuardLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The default logger: one JSON object per line on the console (`error` on
 * stderr), easy to ship to any log pipeline.
 */
export function createConsoleLogger(write: { log(line: string): void; error(line: string): void } = console): SessionGuardLogger {
  const line = (level: string, message: string, fields?: LogFields) =>
    JSON.stringify({ time: new Date().toISOString(), level, source: 'sessionguard', message, ...fields });
  return {
    info: (message, fields) => write.log(line('info', message, fields)),
    warn: (message, fields) => write.log(line('warn', message, fields)),
    error: (message, fields) => write.error(line('error', message, fields)),
  };
}

/**
 * An error as log fields, with every given secret value (session ids) cut out
 * of its message: a store's error text may quote the key it failed on, and
 * that key often holds the session id.
 */
export function describeError(error: unknown, redact: ReadonlyArray<string | undefined> = []): LogFields {
  const scrub = (text: string) =>
    redact.reduce<string>((out, secret) => (secret ? out.split(secret).join('[redacted]') : out), text);
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? { name: error.cause.name, message: scrub(error.cause.message) } : undefined;
    return { error: { name: error.name, message: scrub(error.message), ...(cause ? { cause } : {}) } };
  }
  return { error: { message: scrub(String(error)) } };
}
