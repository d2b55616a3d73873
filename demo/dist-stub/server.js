var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// packages/core/src/errors.ts
var SessionGuardError;
var init_errors = __esm({
  "packages/core/src/errors.ts"() {
    "use strict";
    SessionGuardError = class extends Error {
      name = "SessionGuardError";
    };
  }
});

// packages/core/src/policy.ts
var TIMING_PRESETS;
var init_policy = __esm({
  "packages/core/src/policy.ts"() {
    "use strict";
    TIMING_PRESETS = {
      aal2: { warnAfter: 55 * 60, expireAfter: 60 * 60, absoluteTimeout: 24 * 60 * 60 },
      aal3: { warnAfter: 13 * 60, expireAfter: 15 * 60, absoluteTimeout: 12 * 60 * 60 },
      pci: { warnAfter: 13 * 60, expireAfter: 15 * 60, absoluteTimeout: null }
    };
  }
});

// packages/core/src/protocol.ts
var MAX_IDLE_FOR_SECONDS;
var init_protocol = __esm({
  "packages/core/src/protocol.ts"() {
    "use strict";
    MAX_IDLE_FOR_SECONDS = 366 * 24 * 60 * 60;
  }
});

// packages/core/src/index.ts
var init_src = __esm({
  "packages/core/src/index.ts"() {
    "use strict";
    init_errors();
    init_policy();
    init_protocol();
  }
});

// packages/express/src/errors.ts
function isSessionStoreUnavailableError(value) {
  return value instanceof Error && value.name === "SessionStoreUnavailableError";
}
var SessionStoreUnavailableError;
var init_errors2 = __esm({
  "packages/express/src/errors.ts"() {
    "use strict";
    init_src();
    SessionStoreUnavailableError = class extends SessionGuardError {
      name = "SessionStoreUnavailableError";
      constructor(message, options) {
        super(message, options);
      }
    };
  }
});

// packages/express/src/redis/keys.ts
function encodeUserId(userId) {
  if (userId === "") return "%";
  let encoded = "";
  for (let i = 0; i < userId.length; i += 1) {
    const char = userId[i];
    encoded += SAFE.test(char) ? char : `%${userId.charCodeAt(i).toString(16).padStart(4, "0")}`;
  }
  return encoded;
}
function userBase(prefix, userId) {
  return `${prefix}:{${encodeUserId(userId)}}:`;
}
function recordKeyPrefix(prefix, userId) {
  return `${userBase(prefix, userId)}s:`;
}
function recordKey(prefix, userId, sessionId) {
  return recordKeyPrefix(prefix, userId) + sessionId;
}
function indexKey(prefix, userId) {
  return `${userBase(prefix, userId)}idx`;
}
var SAFE;
var init_keys = __esm({
  "packages/express/src/redis/keys.ts"() {
    "use strict";
    SAFE = /^[A-Za-z0-9._~@+=-]$/;
  }
});

// packages/express/src/redis/scripts.ts
import { createHash as createHash2 } from "node:crypto";
function script(name, body) {
  const source = `${PRELUDE}
${body.trim()}
`;
  return { name, source, sha: createHash2("sha1").update(source).digest("hex") };
}
var PRELUDE, CREATE, GET, TOUCH, UPDATE, LIST, REVOKE, REVOKE_USER;
var init_scripts = __esm({
  "packages/express/src/redis/scripts.ts"() {
    "use strict";
    PRELUDE = `
-- Sets the index's expiry to the largest score it holds, so the index
-- lives exactly as long as its longest-retained record.
local function syncIndexExpiry(idx)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', idx, last[2]) end
end

-- Drops index members whose record no longer exists (expired by Redis).
local function pruneIndex(idx, recordPrefix)
  for _, id in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
    if redis.call('EXISTS', recordPrefix .. id) == 0 then redis.call('ZREM', idx, id) end
  end
end
`;
    CREATE = script(
      "create",
      `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
pruneIndex(KEYS[2], ARGV[3])
syncIndexExpiry(KEYS[2])
return 1
`
    );
    GET = script("get", `return redis.call('HGETALL', KEYS[1])`);
    TOUCH = script(
      "touch",
      `
local current = redis.call('HMGET', KEYS[1], 'lastActivity', 'retainUntil')
if not current[1] or not current[2] then return false end
if tonumber(ARGV[1]) > tonumber(current[1]) then
  redis.call('HSET', KEYS[1], 'lastActivity', ARGV[1])
end
if tonumber(ARGV[2]) > tonumber(current[2]) then
  redis.call('HSET', KEYS[1], 'retainUntil', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  syncIndexExpiry(KEYS[2])
end
return redis.call('HGETALL', KEYS[1])
`
    );
    UPDATE = script(
      "update",
      `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n)) end
if #ARGV > 1 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 + 2 * n)) end
return redis.call('HGETALL', KEYS[1])
`
    );
    LIST = script(
      "list",
      `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then redis.call('ZREM', KEYS[1], id) else out[#out + 1] = fields end
end
syncIndexExpiry(KEYS[1])
return out
`
    );
    REVOKE = script(
      "revoke",
      `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
syncIndexExpiry(KEYS[2])
if #fields == 0 then return false end
return fields
`
    );
    REVOKE_USER = script(
      "revokeUser",
      `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if not (ARGV[2] == '1' and id == ARGV[3]) then
    local key = ARGV[1] .. id
    local fields = redis.call('HGETALL', key)
    if #fields > 0 then
      out[#out + 1] = fields
      redis.call('DEL', key)
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
syncIndexExpiry(KEYS[1])
return out
`
    );
  }
});

// packages/express/src/redis/redis-registry.ts
function normalizeOptions(options) {
  const { client } = options;
  if (!client || typeof client.evalSha !== "function" || typeof client.eval !== "function" || typeof client.withCommandOptions !== "function") {
    throw new TypeError("createRedisRegistry: `client` must be a node-redis v5 client or cluster (createClient / createCluster)");
  }
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== "string" || prefix === "" || /[{}]/.test(prefix)) {
    throw new TypeError("createRedisRegistry: `prefix` must be a non-empty string without `{` or `}`");
  }
  const commandTimeout = options.commandTimeout ?? DEFAULTS.commandTimeout;
  if (typeof commandTimeout !== "number" || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
    throw new TypeError("createRedisRegistry: `commandTimeout` must be a positive number of milliseconds");
  }
  return { client, prefix, commandTimeout };
}
function parseRecord(reply) {
  if (reply === null || reply === void 0) return null;
  if (!Array.isArray(reply)) throw new TypeError("unexpected reply from Redis");
  if (reply.length === 0) return null;
  const fields = /* @__PURE__ */ new Map();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(text(reply[i]), text(reply[i + 1]));
  const required = (name) => {
    const value = fields.get(name);
    if (value === void 0) throw new TypeError(`session record in Redis lacks the field ${name}`);
    return value;
  };
  const number = (name) => Number(required(name));
  return {
    sessionId: required("sessionId"),
    userId: required("userId"),
    publicId: required("publicId"),
    createdAt: number("createdAt"),
    lastActivity: number("lastActivity"),
    authenticatedAt: number("authenticatedAt"),
    ip: fields.get("ip") ?? null,
    userAgent: fields.get("userAgent") ?? null,
    authHash: fields.get("authHash") ?? null,
    retainUntil: number("retainUntil")
  };
}
function parseRecords(reply) {
  if (!Array.isArray(reply)) throw new TypeError("unexpected reply from Redis");
  return reply.map((item) => parseRecord(item)).filter((record) => record !== null);
}
function timestamp(name, value) {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number (epoch ms)`);
  return String(value);
}
function checkRef(ref) {
  if (typeof ref?.userId !== "string" || typeof ref.sessionId !== "string") {
    throw new TypeError("a session ref needs string `userId` and `sessionId`");
  }
}
function createRedisRegistry(options) {
  const { client, prefix, commandTimeout } = normalizeOptions(options);
  async function run(script2, keys, args, parse) {
    const controller = new AbortController();
    const scoped = client.withCommandOptions({ abortSignal: controller.signal });
    let timer;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SessionStoreUnavailableError(`Redis did not answer ${script2.name} within ${commandTimeout} ms`));
      }, commandTimeout);
      timer.unref?.();
    });
    const attempt = async () => {
      const call = { keys, arguments: args };
      let reply;
      try {
        reply = await scoped.evalSha(script2.sha, call);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        reply = await scoped.eval(script2.source, call);
      }
      return parse(reply);
    };
    try {
      return await Promise.race([attempt(), timedOut]);
    } catch (error) {
      if (isSessionStoreUnavailableError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionStoreUnavailableError(`Redis registry ${script2.name} failed: ${reason}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
  const registry = {
    async create(record) {
      checkRef(record);
      const retainUntil = timestamp("retainUntil", record.retainUntil);
      const fields = [
        "sessionId",
        record.sessionId,
        "userId",
        record.userId,
        "publicId",
        String(record.publicId),
        "createdAt",
        timestamp("createdAt", record.createdAt),
        "lastActivity",
        timestamp("lastActivity", record.lastActivity),
        "authenticatedAt",
        timestamp("authenticatedAt", record.authenticatedAt),
        "retainUntil",
        retainUntil
      ];
      for (const name of ["ip", "userAgent", "authHash"]) {
        const value = record[name];
        if (value !== null && value !== void 0) fields.push(name, String(value));
      }
      await run(
        CREATE,
        [recordKey(prefix, record.userId, record.sessionId), indexKey(prefix, record.userId)],
        [record.sessionId, expireAt(record.retainUntil), recordKeyPrefix(prefix, record.userId), ...fields],
        () => void 0
      );
    },
    async get(ref) {
      checkRef(ref);
      return run(GET, [recordKey(prefix, ref.userId, ref.sessionId)], [], parseRecord);
    },
    async touch(ref, lastActivity, retainUntil) {
      checkRef(ref);
      return run(
        TOUCH,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [
          timestamp("lastActivity", lastActivity),
          timestamp("retainUntil", retainUntil),
          expireAt(retainUntil),
          ref.sessionId
        ],
        parseRecord
      );
    },
    async update(ref, patch) {
      checkRef(ref);
      const set = [];
      const unset = [];
      for (const name of PATCHABLE_FIELDS) {
        const value = patch[name];
        if (value === void 0) continue;
        if (value === null) unset.push(name);
        else set.push(name, name === "authenticatedAt" ? timestamp(name, value) : String(value));
      }
      return run(
        UPDATE,
        [recordKey(prefix, ref.userId, ref.sessionId)],
        [String(set.length / 2), ...set, ...unset],
        parseRecord
      );
    },
    async list(userId) {
      checkRef({ userId, sessionId: "" });
      const records = await run(LIST, [indexKey(prefix, userId)], [recordKeyPrefix(prefix, userId)], parseRecords);
      return records.sort((a, b) => a.createdAt - b.createdAt);
    },
    async revoke(ref) {
      checkRef(ref);
      return run(
        REVOKE,
        [recordKey(prefix, ref.userId, ref.sessionId), indexKey(prefix, ref.userId)],
        [ref.sessionId],
        parseRecord
      );
    },
    async revokeUser(userId, exceptSessionId) {
      checkRef({ userId, sessionId: exceptSessionId ?? "" });
      const hasExcept = exceptSessionId !== void 0 && exceptSessionId !== null;
      return run(
        REVOKE_USER,
        [indexKey(prefix, userId)],
        [recordKeyPrefix(prefix, userId), hasExcept ? "1" : "0", hasExcept ? exceptSessionId : ""],
        parseRecords
      );
    },
    async close() {
    }
  };
  return registry;
}
var DEFAULTS, PATCHABLE_FIELDS, text, expireAt, isNoScript;
var init_redis_registry = __esm({
  "packages/express/src/redis/redis-registry.ts"() {
    "use strict";
    init_errors2();
    init_keys();
    init_scripts();
    DEFAULTS = { prefix: "sg", commandTimeout: 1e3 };
    PATCHABLE_FIELDS = ["authHash", "authenticatedAt", "ip", "userAgent"];
    text = (value) => typeof value === "string" ? value : value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : String(value);
    expireAt = (retainUntil) => String(Math.ceil(retainUntil));
    isNoScript = (error) => error instanceof Error && error.message.startsWith("NOSCRIPT");
  }
});

// packages/express/src/redis/index.ts
var redis_exports = {};
__export(redis_exports, {
  createRedisRegistry: () => createRedisRegistry,
  encodeUserId: () => encodeUserId
});
var init_redis = __esm({
  "packages/express/src/redis/index.ts"() {
    "use strict";
    init_redis_registry();
    init_keys();
  }
});

// demo/server.ts
import { createServer } from "node:http";

// demo/app.ts
import express7 from "express";
import session from "express-session";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ../../tmp/stub/express-stub.ts
import { EventEmitter } from "node:events";
import express from "express";
function createSessionGuard(_o) {
  return {
    middleware: (_req, _res, next) => next(),
    router: express.Router(),
    adminRouter: express.Router(),
    events: new EventEmitter(),
    userId: (req) => req.session?.sessionguard?.userId ?? null,
    login: (req, userId) => new Promise((res, rej) => req.session.regenerate((e) => {
      if (e) rej(e);
      req.session.sessionguard = { userId };
      res();
    })),
    logout: (req) => new Promise((res) => req.session.destroy(() => res())),
    passwordChanged: async () => {
    },
    revokeUser: async () => {
    }
  };
}

// demo/account-routes.ts
import express2 from "express";

// demo/security.ts
import { randomBytes } from "node:crypto";
function contentSecurityPolicy(nonce) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'"
  ].join("; ");
}
var securityHeaders = (_req, res, next) => {
  const nonce = randomBytes(16).toString("base64");
  res.locals.nonce = nonce;
  res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce));
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  next();
};
function wantsJson(req) {
  return req.is("application/json") === "application/json" || req.accepts(["html", "json"]) === "json";
}
function sendError(res, status, error, message) {
  res.status(status).json({ error, message });
}
var sameOriginOnly = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
  const origin = req.get("origin");
  const site = req.get("sec-fetch-site");
  const expected = `${req.protocol}://${req.get("host") ?? ""}`;
  const crossSite = origin !== void 0 ? origin !== expected : site !== void 0 && site !== "same-origin" && site !== "none";
  if (crossSite) {
    sendError(res, 403, "csrf_failed", "Cross-site requests are not accepted.");
    return;
  }
  next();
};
function createRateLimiter({ limit, windowMs }) {
  const windows = /* @__PURE__ */ new Map();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
  }, windowMs);
  sweep.unref();
  const current = (key) => {
    const now = Date.now();
    const window = windows.get(key);
    if (window && window.resetAt > now) return window;
    return void 0;
  };
  return {
    hit(key) {
      const window = current(key) ?? { count: 0, resetAt: Date.now() + windowMs };
      window.count += 1;
      windows.set(key, window);
      return window.count > limit;
    },
    blocked: (key) => (current(key)?.count ?? 0) >= limit,
    retryAfter: (key) => Math.max(1, Math.ceil(((current(key)?.resetAt ?? Date.now()) - Date.now()) / 1e3))
  };
}
function rateLimit(limiter, keyOf = (req) => req.ip ?? "unknown") {
  return (req, res, next) => {
    const key = keyOf(req);
    if (limiter.hit(key)) {
      res.setHeader("Retry-After", String(limiter.retryAfter(key)));
      sendError(res, 429, "rate_limited", "Too many requests. Try again in a moment.");
      return;
    }
    next();
  };
}
function safeNext(value) {
  if (typeof value !== "string" || value.length === 0 || value.length > 2e3) return null;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return null;
  if (/[\u0000-\u0020\u007f]/.test(value)) return null;
  const base = "http://sessionguard.invalid";
  let url;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  const path2 = `${url.pathname}${url.search}${url.hash}`;
  return path2.startsWith("/login") || path2.startsWith("/logout") ? null : path2;
}

// demo/context.ts
function isApiRequest(path2, accept) {
  return path2.startsWith("/api/") || (accept ?? "").includes("application/json");
}
function requireUser(ctx) {
  return (req, res, next) => {
    const userId = ctx.guard.userId(req);
    const user = userId === null ? null : ctx.users.get(userId);
    if (!user) {
      if (isApiRequest(req.path, req.get("accept"))) {
        sendError(res, 401, "unauthenticated", "Sign in first.");
      } else {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      }
      return;
    }
    res.locals.user = user;
    next();
  };
}

// demo/html.ts
var SafeHtml = class {
  constructor(value) {
    this.value = value;
  }
  value;
  toString() {
    return this.value;
  }
};
var ENTITIES = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;"
};
function escapeHtml(text2) {
  return text2.replace(/[&<>"'`]/g, (char) => ENTITIES[char] ?? char);
}
function render(value) {
  if (value === null || value === void 0 || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}
function html(strings, ...values) {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

// demo/layout.ts
var NAV = [
  { href: "/", label: "Work" },
  { href: "/account/sessions", label: "My sessions" },
  { href: "/account/password", label: "Password" },
  { href: "/admin/users", label: "Admin", admin: true }
];
function sdkScript(user, nonce) {
  return html`<script src="/sessionguard/sessionguard.min.js"
    data-base-url="/session" data-sign-in-url="/login" data-logout-url="/logout"
    data-login-page-url="/login" data-username="${user.username}" data-locale="en"
    data-nonce="${nonce}"></script>`;
}
function renderPage(res, { title, user, body, scripts = [], status = 200, current }) {
  const nav = user && html`<nav aria-label="Main"><ul>${NAV.filter((item) => !item.admin || user.role === "admin").map(
    (item) => html`<li><a href="${item.href}"${item.href === current ? html` aria-current="page"` : ""}>${item.label}</a></li>`
  )}</ul></nav>
    <div class="who"><span>Signed in as <strong>${user.username}</strong></span>
      <form method="post" action="/logout" data-sessionguard-logout><button type="submit" class="secondary">Sign out</button></form>
    </div>`;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · sessionguard demo</title>
<link rel="stylesheet" href="/static/demo.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="site"><a class="brand" href="/">sessionguard demo</a>${nav}</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
${user && sdkScript(user, res.locals.nonce)}
${scripts.map((src) => html`<script src="${src}"></script>`)}
</body>
</html>
`;
  res.status(status).setHeader("Cache-Control", "no-store").type("html").send(doc.value);
}

// demo/logger.ts
function log(message) {
  process.stdout.write(`${(/* @__PURE__ */ new Date()).toISOString()} ${message}
`);
}
var requestLogger = (req, res, next) => {
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log(`${req.method} ${req.path} ${res.statusCode} ${ms.toFixed(1)}ms`);
  });
  next();
};

// demo/users.ts
import { createHash, randomBytes as randomBytes2, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
var scrypt = promisify(scryptCallback);
var KEY_LENGTH = 32;
var SEED = [
  { username: "alice", password: "alice-pass", role: "user" },
  { username: "bob", password: "bob-pass", role: "user" },
  { username: "admin", password: "admin-pass", role: "admin" }
];
var MIN_PASSWORD_LENGTH = 8;
async function hashPassword(password) {
  const salt = randomBytes2(16);
  return { salt, hash: await scrypt(password, salt, KEY_LENGTH) };
}
async function createUserDirectory() {
  const users = /* @__PURE__ */ new Map();
  for (const { username, password, role } of SEED) {
    users.set(username, { username, role, ...await hashPassword(password) });
  }
  const decoy = await hashPassword(randomBytes2(16).toString("hex"));
  const publicUser = (user) => ({ username: user.username, role: user.role });
  return {
    get: (username) => {
      const user = users.get(username);
      return user ? publicUser(user) : null;
    },
    all: () => [...users.values()].map(publicUser),
    async verify(username, password) {
      const user = users.get(username);
      const { salt, hash } = user ?? decoy;
      const candidate = await scrypt(password, salt, KEY_LENGTH);
      const matches = timingSafeEqual(candidate, hash);
      return user && matches ? publicUser(user) : null;
    },
    async setPassword(username, password) {
      const user = users.get(username);
      if (!user) throw new Error(`No such user: ${username}`);
      Object.assign(user, await hashPassword(password));
    },
    sessionAuthHash(username) {
      const user = users.get(username);
      if (!user) return null;
      return createHash("sha256").update(user.salt).update(user.hash).digest("base64url");
    },
    canRevoke(actor, target) {
      const actorUser = users.get(actor);
      const targetUser = users.get(target);
      if (!actorUser || !targetUser || actorUser.role !== "admin") return false;
      return targetUser.role !== "admin" || actor === target;
    }
  };
}

// demo/account-routes.ts
function renderPasswordPage(res, user, { errors = {}, changed = false, status = 200 }) {
  const invalid = (message, id) => message ? html` aria-invalid="true" aria-describedby="${id}"` : html``;
  renderPage(res, {
    title: "Change password",
    user,
    status,
    current: "/account/password",
    body: html`
${changed && html`<p class="notice" role="status">Your password was changed. Your other sessions were signed out; this one stays signed in.</p>`}
<form method="post" action="/account/password" class="card narrow">
  <label for="current-password">Current password</label>
  <input id="current-password" name="current_password" type="password" autocomplete="current-password" required${invalid(errors.current, "current-password-error")}>
  ${errors.current && html`<p id="current-password-error" class="error field-error">${errors.current}</p>`}
  <label for="new-password">New password</label>
  <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"${invalid(errors.next, "new-password-error")}>
  ${errors.next && html`<p id="new-password-error" class="error field-error">${errors.next}</p>`}
  <p class="hint">At least ${MIN_PASSWORD_LENGTH} characters. Changing it signs out your other sessions.</p>
  <button type="submit">Change password</button>
</form>`
  });
}
function accountRoutes(ctx) {
  const router = express2.Router();
  const signedIn = requireUser(ctx);
  const failures = createRateLimiter({ limit: 10, windowMs: 15 * 6e4 });
  router.get("/account/sessions", signedIn, (_req, res) => {
    renderPage(res, {
      title: "My sessions",
      user: res.locals.user,
      current: "/account/sessions",
      scripts: ["/static/sessions.js"],
      body: html`
<p>Where you are signed in. Revoke a session you do not recognise; it is signed out at its next request.</p>
<div id="sessions-message" class="message" role="alert"></div>
<p id="sessions-status" class="status" role="status">Loading your sessions…</p>
<table id="sessions" class="sessions">
  <caption class="visually-hidden">Your sessions</caption>
  <thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
  <tbody id="sessions-body"></tbody>
</table>
<p><button type="button" id="revoke-others" class="danger">Sign out other sessions</button></p>
<noscript><p class="error">This page needs JavaScript to list and revoke sessions.</p></noscript>`
    });
  });
  router.get("/account/password", signedIn, (req, res) => {
    renderPasswordPage(res, res.locals.user, { changed: req.query.changed === "1" });
  });
  router.post(
    "/account/password",
    sameOriginOnly,
    signedIn,
    express2.urlencoded({ extended: false, limit: "4kb" }),
    async (req, res, next) => {
      try {
        const { user } = res.locals;
        const body = req.body ?? {};
        const current = typeof body.current_password === "string" ? body.current_password : "";
        const proposed = typeof body.new_password === "string" ? body.new_password : "";
        if (failures.blocked(user.username)) {
          renderPasswordPage(res, user, { status: 429, errors: { current: "Too many failed attempts. Wait a few minutes and try again." } });
          return;
        }
        if (!await ctx.users.verify(user.username, current)) {
          failures.hit(user.username);
          renderPasswordPage(res, user, { status: 400, errors: { current: "Your current password is not right." } });
          return;
        }
        if (proposed.length < MIN_PASSWORD_LENGTH || proposed.length > 200) {
          renderPasswordPage(res, user, { status: 400, errors: { next: `Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters.` } });
          return;
        }
        if (proposed === current) {
          renderPasswordPage(res, user, { status: 400, errors: { next: "Choose a password different from the current one." } });
          return;
        }
        await ctx.users.setPassword(user.username, proposed);
        await ctx.guard.passwordChanged(req, user.username);
        log(`password changed: ${user.username}`);
        res.redirect(303, "/account/password?changed=1");
      } catch (error) {
        next(error);
      }
    }
  );
  return router;
}

// demo/admin-routes.ts
import express3 from "express";
function adminRoutes(ctx) {
  const router = express3.Router();
  const signedIn = requireUser(ctx);
  const adminOnly = (_req, res, next) => {
    if (res.locals.user.role === "admin") return next();
    renderPage(res, {
      title: "Not allowed",
      user: res.locals.user,
      status: 403,
      body: html`<p>Only administrators can see this page.</p>`
    });
  };
  router.get("/admin/users", signedIn, adminOnly, (req, res) => {
    const actor = res.locals.user;
    const done = typeof req.query.signedOut === "string" ? ctx.users.get(req.query.signedOut) : null;
    const refused = typeof req.query.refused === "string" ? ctx.users.get(req.query.refused) : null;
    renderPage(res, {
      title: "Users",
      user: actor,
      current: "/admin/users",
      body: html`
${done && html`<p class="notice" role="status">${done.username} was signed out everywhere.</p>`}
${refused && html`<p class="error" role="alert">You may not sign out ${refused.username}.</p>`}
<table class="users">
  <caption class="visually-hidden">Users</caption>
  <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
  <tbody>
  ${ctx.users.all().map((user) => {
        const allowed = ctx.users.canRevoke(actor.username, user.username);
        return html`<tr>
      <th scope="row">${user.username}</th>
      <td>${user.role === "admin" ? "Administrator" : "User"}</td>
      <td>${allowed ? html`<form method="post" action="/admin/users/${encodeURIComponent(user.username)}/sign-out"><button type="submit" class="danger">Sign out everywhere</button></form>` : html`<span class="hint">Administrators cannot sign out other administrators.</span>`}</td>
    </tr>`;
      })}
  </tbody>
</table>`
    });
  });
  router.post("/admin/users/:username/sign-out", sameOriginOnly, signedIn, adminOnly, async (req, res, next) => {
    try {
      const actor = res.locals.user.username;
      const target = ctx.users.get(String(req.params.username));
      if (!target) {
        res.redirect(303, "/admin/users");
        return;
      }
      if (!ctx.users.canRevoke(actor, target.username)) {
        res.redirect(303, `/admin/users?refused=${encodeURIComponent(target.username)}`);
        return;
      }
      await ctx.guard.revokeUser(target.username);
      log(`admin ${actor} signed out ${target.username} everywhere`);
      res.redirect(303, `/admin/users?signedOut=${encodeURIComponent(target.username)}`);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

// demo/auth-routes.ts
import express4 from "express";
function renderLogin(res, { next, username, error, status = 200 }) {
  const described = error ? "login-error" : void 0;
  renderPage(res, {
    title: "Sign in",
    user: null,
    status,
    body: html`
<form method="post" action="/login" class="card narrow">
  ${error && html`<p id="login-error" class="error" role="alert">${error}</p>`}
  ${next && html`<input type="hidden" name="next" value="${next}">`}
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${username}"${described ? html` aria-describedby="${described}" aria-invalid="true"` : ""}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${described ? html` aria-describedby="${described}" aria-invalid="true"` : ""}>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Demo users: <code>alice</code> / <code>alice-pass</code>, <code>bob</code> / <code>bob-pass</code>, <code>admin</code> / <code>admin-pass</code>.</p>`
  });
}
function field(body, name) {
  const value = body && typeof body === "object" ? body[name] : void 0;
  return typeof value === "string" ? value.slice(0, 200) : "";
}
var isJson = (req) => req.is("application/json") === "application/json";
function authRoutes(ctx) {
  const router = express4.Router();
  const attempts = createRateLimiter({ limit: 60, windowMs: 6e4 });
  const failures = createRateLimiter({ limit: 10, windowMs: 15 * 6e4 });
  const parse = [express4.urlencoded({ extended: false, limit: "4kb" }), express4.json({ limit: "4kb" })];
  router.get("/login", (req, res) => {
    renderLogin(res, { next: safeNext(req.query.next), username: "" });
  });
  router.post("/login", sameOriginOnly, rateLimit(attempts), ...parse, async (req, res, next) => {
    try {
      const username = field(req.body, "username").trim();
      const password = field(req.body, "password");
      const returnTo = safeNext(field(req.body, "next"));
      const failureKey = `${req.ip ?? "unknown"}|${username.toLowerCase()}`;
      if (failures.blocked(failureKey)) {
        res.setHeader("Retry-After", String(failures.retryAfter(failureKey)));
        const message = "Too many failed attempts. Wait a few minutes and try again.";
        if (isJson(req)) sendError(res, 429, "rate_limited", message);
        else renderLogin(res, { next: returnTo, username, error: message, status: 429 });
        return;
      }
      const user = username && password ? await ctx.users.verify(username, password) : null;
      if (!user) {
        failures.hit(failureKey);
        log("sign-in refused: invalid credentials");
        const message = "The username or password is not right.";
        if (isJson(req)) sendError(res, 401, "invalid_credentials", message);
        else renderLogin(res, { next: returnTo, username, error: message, status: 401 });
        return;
      }
      await ctx.guard.login(req, user.username);
      log(`signed in: ${user.username}`);
      if (isJson(req)) res.json({ username: user.username });
      else res.redirect(303, returnTo ?? "/");
    } catch (error) {
      next(error);
    }
  });
  router.post("/logout", sameOriginOnly, async (req, res, next) => {
    try {
      const userId = ctx.guard.userId(req);
      if (userId !== null) {
        await ctx.guard.logout(req);
        log(`signed out: ${userId}`);
      }
      res.clearCookie("sessionguard.sid", { path: "/" });
      if (req.accepts(["html", "json"]) === "json") res.json({});
      else res.redirect(303, "/login");
    } catch (error) {
      next(error);
    }
  });
  return router;
}

// demo/test-clock.ts
import express5 from "express";
function createClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
      return Date.now() + offset;
    }
  };
}
var LOOPBACK = /* @__PURE__ */ new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
function testClockRouter(clock) {
  const router = express5.Router();
  router.post("/__test__/clock", express5.json({ limit: "1kb" }), (req, res) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) {
      res.status(403).json({ error: "forbidden", message: "The test clock only answers loopback requests." });
      return;
    }
    const advance = req.body?.advance;
    if (typeof advance !== "number" || !Number.isFinite(advance) || advance < 0 || advance > 366 * 24 * 3600 * 1e3) {
      res.status(400).json({ error: "invalid_body", message: 'Send {"advance": milliseconds}, a non-negative number.' });
      return;
    }
    res.json({ now: clock.advance(advance) });
  });
  return router;
}

// demo/work-routes.ts
import express6 from "express";
var MAX_NOTES = 2e4;
function notesFrom(body) {
  const notes = body && typeof body === "object" ? body.notes : void 0;
  return typeof notes === "string" && notes.length <= MAX_NOTES ? notes : null;
}
function workRoutes(ctx) {
  const router = express6.Router();
  const signedIn = requireUser(ctx);
  router.get("/", signedIn, (req, res) => {
    const { user } = res.locals;
    const saved = ctx.notes.get(user.username) ?? "";
    renderPage(res, {
      title: "Work",
      user,
      current: "/",
      scripts: ["/static/notes.js"],
      body: html`
<p>Type something below and leave the page alone: a warning comes after ${ctx.config.warnAfter} seconds without
activity, and the session ends after ${ctx.config.expireAfter} seconds. Sign in again in place and your text is still here.</p>
<form id="notes-form" method="post" action="/notes" class="card">
  <label for="notes">Notes</label>
  <textarea id="notes" name="notes" rows="10" maxlength="${MAX_NOTES}" aria-describedby="notes-status">${saved}</textarea>
  <div class="actions">
    <button type="submit">Save notes</button>
    <p id="notes-status" class="status" role="status">${req.query.saved === "1" ? "Notes saved." : ""}</p>
  </div>
</form>`
    });
  });
  router.post("/notes", sameOriginOnly, signedIn, express6.urlencoded({ extended: false, limit: "64kb" }), (req, res) => {
    const notes = notesFrom(req.body);
    if (notes === null) {
      sendError(res, 400, "invalid_body", `Notes must be text of at most ${MAX_NOTES} characters.`);
      return;
    }
    ctx.notes.set(res.locals.user.username, notes);
    res.redirect(303, "/?saved=1");
  });
  router.get("/api/me", signedIn, (_req, res) => {
    res.json({ username: res.locals.user.username });
  });
  router.get("/api/notes", signedIn, (_req, res) => {
    res.json({ notes: ctx.notes.get(res.locals.user.username) ?? "" });
  });
  router.post("/api/notes", sameOriginOnly, signedIn, express6.json({ limit: "64kb" }), (req, res) => {
    const notes = notesFrom(req.body);
    if (notes === null) {
      sendError(res, 400, "invalid_body", `Send {"notes": text} with at most ${MAX_NOTES} characters.`);
      return;
    }
    ctx.notes.set(res.locals.user.username, notes);
    res.json({ saved: true, notes, savedAt: new Date(ctx.clock.now()).toISOString() });
  });
  return router;
}

// demo/app.ts
var here = path.dirname(fileURLToPath(import.meta.url));
function clientDist() {
  try {
    return path.dirname(createRequire(import.meta.url).resolve("@sessionguard/client/sessionguard.min.js"));
  } catch {
    const fallback = path.resolve(here, "..", "..", "packages", "client", "dist");
    if (!existsSync(path.join(fallback, "sessionguard.min.js"))) {
      log("warning: @sessionguard/client/dist/sessionguard.min.js is missing; run `npm run build`");
    }
    return fallback;
  }
}
function publicDir() {
  const candidates = [path.resolve(here, "..", "public"), path.resolve(here, "public")];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}
function createDemoApp(config, users, stores) {
  const clock = createClock();
  const guard = createSessionGuard({
    secret: config.secrets,
    warnAfter: config.warnAfter,
    expireAfter: config.expireAfter,
    absoluteTimeout: config.absoluteTimeout,
    loginUrl: "/login",
    store: stores.sessionStore,
    ...stores.registry === void 0 ? {} : { registry: stores.registry },
    getSessionAuthHash: (userId) => users.sessionAuthHash(userId),
    singleSession: config.singleSession,
    logoutEverywhere: config.logoutEverywhere,
    canRevoke: (actor, target) => users.canRevoke(actor, target),
    ...config.testClock ? { now: clock.now } : {}
  });
  guard.events.on("session.revoked", (event) => {
    log(`session revoked: user=${event.userId} session=${event.publicId} reason=${event.reason}`);
  });
  const context = { config, users, guard, clock, notes: /* @__PURE__ */ new Map() };
  const app = express7();
  app.disable("x-powered-by");
  if (config.trustProxy) app.set("trust proxy", config.trustProxy);
  app.use(requestLogger);
  app.use(securityHeaders);
  if (config.testClock) app.use(testClockRouter(clock));
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.use("/sessionguard", express7.static(clientDist(), { index: false, maxAge: "1h" }));
  app.use("/static", express7.static(publicDir(), { index: false, maxAge: "1h" }));
  app.use(
    session({
      name: "sessionguard.sid",
      secret: config.secrets,
      store: stores.sessionStore,
      resave: false,
      saveUninitialized: false,
      cookie: {
        httpOnly: true,
        sameSite: "lax",
        // 'auto': secure whenever the request came over HTTPS (behind a proxy with TRUST_PROXY).
        secure: config.production ? true : "auto",
        path: "/",
        // The absolute lifetime; the guard ends idle sessions long before.
        maxAge: config.absoluteTimeout * 1e3
      }
    })
  );
  app.use(guard.middleware);
  app.use("/session", guard.router);
  app.use("/admin/sessions", guard.adminRouter);
  app.use(authRoutes(context));
  app.use(workRoutes(context));
  app.use(accountRoutes(context));
  app.use(adminRoutes(context));
  app.use((req, res) => {
    if (wantsJson(req) || req.path.startsWith("/api/")) {
      sendError(res, 404, "not_found", "No such page.");
      return;
    }
    renderPage(res, { title: "Not found", user: null, status: 404, body: html`<p>No such page. <a href="/">Go to the work page</a>.</p>` });
  });
  app.use(errorHandler);
  return { app, context };
}
var errorHandler = (error, req, res, _next) => {
  const err = error;
  let status = 500;
  let code = "internal_error";
  let message = "Something went wrong on our side.";
  if (err?.name === "SessionStoreUnavailableError") {
    status = 503;
    code = "session_store_unavailable";
    message = "The session store is unavailable. Try again in a moment.";
  } else if (err?.type === "entity.too.large") {
    status = 413;
    code = "payload_too_large";
    message = "The request body is too large.";
  } else if (err?.type === "entity.parse.failed") {
    status = 400;
    code = "invalid_body";
    message = "The request body is not valid JSON.";
  } else {
    log(`error on ${req.method} ${req.path}: ${err?.name ?? "Error"}: ${err?.message ?? String(error)}`);
  }
  if (res.headersSent) return;
  if (wantsJson(req) || req.path.startsWith("/api/") || req.method !== "GET") {
    sendError(res, status, code, message);
    return;
  }
  renderPage(res, { title: status === 503 ? "Temporarily unavailable" : "Error", user: null, status, body: html`<p>${message}</p>` });
};

// demo/config.ts
import { randomBytes as randomBytes3 } from "node:crypto";
var ConfigError = class extends Error {
  name = "ConfigError";
};
function seconds(env, name, fallback) {
  const raw = env[name];
  if (raw === void 0 || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number of seconds, got "${raw}".`);
  return value;
}
function flag(env, name) {
  const raw = env[name];
  if (raw === void 0 || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}".`);
}
function readConfig(env = process.env) {
  const production = env.NODE_ENV === "production";
  const port = Number(env.PORT ?? 3e3);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}".`);
  const warnAfter = seconds(env, "WARN_AFTER", 30);
  const expireAfter = seconds(env, "EXPIRE_AFTER", 60);
  if (expireAfter - warnAfter < 20) {
    throw new ConfigError(`EXPIRE_AFTER (${expireAfter}) must be at least 20 seconds after WARN_AFTER (${warnAfter}).`);
  }
  const redisUrl = env.REDIS_URL || void 0;
  let secrets = (env.SESSION_SECRET ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) {
    if (production) throw new ConfigError("SESSION_SECRET is required when NODE_ENV=production.");
    secrets = redisUrl ? ["sessionguard-demo-development-secret"] : [randomBytes3(32).toString("base64url")];
  }
  const testClock = flag(env, "SESSIONGUARD_TEST_CLOCK");
  if (testClock && production) throw new ConfigError("SESSIONGUARD_TEST_CLOCK is for tests only and refused when NODE_ENV=production.");
  return {
    port,
    host: env.HOST || void 0,
    warnAfter,
    expireAfter,
    absoluteTimeout: seconds(env, "ABSOLUTE_TIMEOUT", 8 * 60 * 60),
    singleSession: flag(env, "SINGLE_SESSION"),
    logoutEverywhere: flag(env, "LOGOUT_EVERYWHERE"),
    redisUrl,
    secrets,
    production,
    trustProxy: env.TRUST_PROXY || void 0,
    testClock
  };
}

// demo/stores.ts
import session2 from "express-session";
async function createStores(config) {
  if (!config.redisUrl) {
    return { sessionStore: new session2.MemoryStore(), registry: void 0, close: async () => {
    } };
  }
  const [{ createClient }, { RedisStore }, { createRedisRegistry: createRedisRegistry2 }] = await Promise.all([
    import("redis"),
    import("connect-redis"),
    Promise.resolve().then(() => (init_redis(), redis_exports))
  ]);
  const client = createClient({ url: config.redisUrl });
  let reported = false;
  client.on("error", (error) => {
    if (!reported) log(`redis: ${error.message} (requests that need the session answer 503 until it is back)`);
    reported = true;
  });
  client.on("ready", () => {
    if (reported) log("redis: connected again");
    reported = false;
  });
  await client.connect();
  log(`redis: connected to ${new URL(config.redisUrl).host}`);
  return {
    sessionStore: new RedisStore({ client, prefix: "sessionguard:sess:" }),
    registry: createRedisRegistry2({ client }),
    async close() {
      await client.close().catch(() => client.destroy());
    }
  };
}

// demo/server.ts
async function main() {
  const config = readConfig();
  const [users, stores] = await Promise.all([createUserDirectory(), createStores(config)]);
  const { app, context } = createDemoApp(config, users, stores);
  if (config.testClock) log("warning: SESSIONGUARD_TEST_CLOCK=1, the loopback test clock route is on (tests only)");
  const server = createServer(app);
  server.listen({ port: config.port, host: config.host });
  await new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address();
  log(
    `sessionguard demo on http://localhost:${port} (warn after ${config.warnAfter}s, expire after ${config.expireAfter}s, ${config.redisUrl ? "Redis" : "in memory"}${config.singleSession ? ", single session" : ""}${config.logoutEverywhere ? ", logout everywhere" : ""})`
  );
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => server.closeAllConnections(), 3e3);
    force.unref();
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    const close = context.guard.close;
    await Promise.resolve(close?.call(context.guard)).catch(() => {
    });
    await stores.close().catch(() => {
    });
    log("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
main().catch((error) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`sessionguard demo failed to start: ${message}
`);
  process.exit(1);
});
