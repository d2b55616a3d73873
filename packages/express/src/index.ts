/**
 * `@sessionguard/express`: the Express + express-session adapter. Enforces
 * idle and absolute timeouts on every request, answers the SDK's ping, keeps
 * the registry of live sessions, and lets users and admins end sessions.
 *
 * @packageDocumentation
 */

export type { SessionGuardRequestInfo, SessionGuardSessionData } from './augment.js';
export { createSessionGuard, type SessionGuard } from './guard.js';
export { passportUserId } from './passport-user-id.js';
export { defaultIsApiRequest } from './api-request.js';
export { MIN_SECRET_LENGTH, type RateLimitOptions, type SessionGuardOptions, type UserPolicy } from './options.js';
export type { MaxSessions, PushOptions, PushTimers, SessionLimitBehavior } from './options.js';
export type { DeviceNoticeOptions, PerUser, TimingOverride } from './options.js';
export type { EndChannel, EndChannelListener, EndNotice } from './end-channel.js';
export type { AccountActions, LoginOptions, RevokeUserOptions } from './login.js';
export type {
  RevocationReason,
  SessionEventBase,
  SessionGuardEventMap,
  SessionGuardEventName,
  SessionGuardEvents,
  SessionGuardListener,
} from './events.js';
export { createConsoleLogger, type LogFields, type SessionGuardLogger } from './logger.js';
export { computePublicId, isPublicId } from './public-id.js';
export { signAuthHash, verifyAuthHash, type AuthHashCheck } from './auth-hash.js';
export { boundUserAgent, describeUserAgent, MAX_USER_AGENT_BYTES, type DeviceDescription } from './user-agent.js';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RateLimitResult } from './rate-limit.js';
export {
  checkSessionOptions,
  type CheckSessionOptionsOptions,
  type SessionOptionsProblem,
} from './session-options-check.js';
export type { SessionList, SessionSummary, RevokedCount } from './sessions-router.js';
export { MAX_ADMIN_TARGETS, type AdminRevokeResult } from './admin-router.js';
export {
  isSessionEndedError,
  isSessionLimitError,
  isSessionStoreUnavailableError,
  SessionEndedError,
  SessionLimitError,
  SessionStoreUnavailableError,
  type LimitedSessionSummary,
} from './errors.js';
export { isSessionLimitTokenError, SessionLimitTokenError } from './session-limit.js';
export { failClosedStore, type FailClosedStoreOptions } from './fail-closed-store.js';
export { createMemoryRegistry, type MemoryRegistryOptions } from './registry/memory-registry.js';
export type { SessionRecord, SessionRecordPatch, SessionRef, SessionRegistry, TouchLimits } from './registry/types.js';
export type { LimitedCreateResult, RememberDeviceOptions, SessionLimit, SessionNotice, SessionTimingPolicy } from './registry/types.js';
export { MAX_NOTICES_PER_SESSION } from './registry/types.js';
