/**
 * Errors: one class per meaning, so callers catch by type and never parse
 * messages. The server's stable `code` chooses the class first, because v1
 * keeps the original protocol's statuses (an unknown instance is a 400);
 * the status only decides when a body carries no known code (a proxy's 502,
 * an older server).
 */

/** Base of every error this package throws. */
export class GymHTTPError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, body?: unknown, headers?: Headers, cause?: unknown}} [details]
   */
  constructor(message, { status, code, body, headers, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    /** @type {number | undefined} HTTP status, when the server answered. */
    this.status = status;
    /** @type {string | undefined} The server's stable error code, e.g. `unknown_instance`. */
    this.code = code;
    /** @type {unknown} The parsed response body, when there was one. */
    this.body = body;
    /** @type {Headers | undefined} */
    this.headers = headers;
  }
}

/** No answer: the connection failed or was reset. Safe requests are retried first. */
export class APIConnectionError extends GymHTTPError {
  constructor(message = "Connection error", details = {}) {
    super(message, { code: "connection_error", ...details });
  }
}

/** No answer within `timeoutMs`. */
export class APITimeoutError extends APIConnectionError {
  constructor(message = "Request timed out", details = {}) {
    super(message, { code: "timeout", ...details });
  }
}

/** The caller's own AbortSignal stopped the request; never retried. */
export class APIUserAbortError extends GymHTTPError {
  constructor(message = "Request was aborted", details = {}) {
    super(message, { code: "aborted", ...details });
  }
}

/**
 * The instance id is not (or no longer) live on the server. Not a subclass of
 * BadRequestError: it means "gone", whatever status the server uses for it.
 */
export class UnknownInstanceError extends GymHTTPError {}

/** The request was wrong (400): a missing or invalid parameter, malformed JSON, … */
export class BadRequestError extends GymHTTPError {}

/** The action is not an element of the action space; the episode is untouched. */
export class InvalidActionError extends BadRequestError {}

/** `step` before the first `reset`. */
export class ResetNeededError extends BadRequestError {}

/** The environment id is malformed, not registered, deprecated, or refused. */
export class InvalidEnvIdError extends BadRequestError {}

/** The environment exists but cannot be made here: missing dependencies, bad kwargs or render mode. */
export class EnvCreationError extends BadRequestError {}

/** The server needs a bearer token and did not get the right one (401): set `token` or GYM_HTTP_TOKEN. */
export class AuthenticationError extends GymHTTPError {}

/** Shutdown over HTTP is disabled on this server (403). */
export class PermissionDeniedError extends GymHTTPError {}

/** No such route (404) or method (405). */
export class NotFoundError extends GymHTTPError {}

/** The request body exceeds the server's limit (413). */
export class PayloadTooLargeError extends GymHTTPError {}

/** Too many requests (429). */
export class RateLimitError extends GymHTTPError {}

/** The server already runs its `--max-envs` instances. */
export class TooManyEnvsError extends RateLimitError {}

/** The server does not implement the call: a 501, or PNG frames asked of a server that cannot send them. */
export class NotImplementedError extends GymHTTPError {}

/** The server failed (5xx). */
export class InternalServerError extends GymHTTPError {}

/** @type {Record<string, typeof GymHTTPError>} */
const BY_CODE = {
  unknown_instance: UnknownInstanceError,
  instance_expired: UnknownInstanceError,
  unauthorized: AuthenticationError,
  invalid_action: InvalidActionError,
  reset_needed: ResetNeededError,
  malformed_env_id: InvalidEnvIdError,
  unknown_env_id: InvalidEnvIdError,
  deprecated_env_id: InvalidEnvIdError,
  env_id_refused: InvalidEnvIdError,
  env_unavailable: EnvCreationError,
  env_creation_failed: EnvCreationError,
  invalid_render_mode: EnvCreationError,
  bad_request: BadRequestError,
  malformed_json: BadRequestError,
  missing_parameter: BadRequestError,
  invalid_parameter: BadRequestError,
  invalid_reset_options: BadRequestError,
  unsupported_space: BadRequestError,
  length_required: BadRequestError,
  unsupported_media_type: BadRequestError,
  shutdown_disabled: PermissionDeniedError,
  not_found: NotFoundError,
  method_not_allowed: NotFoundError,
  body_too_large: PayloadTooLargeError,
  too_many_envs: TooManyEnvsError,
  not_implemented: NotImplementedError,
  video_unavailable: NotImplementedError,
  internal_error: InternalServerError,
};

/** @param {number} status */
function classForStatus(status) {
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404 || status === 405) return NotFoundError;
  if (status === 413) return PayloadTooLargeError;
  if (status === 429) return RateLimitError;
  if (status === 501) return NotImplementedError;
  if (status >= 500) return InternalServerError;
  if (status >= 400) return BadRequestError;
  return GymHTTPError;
}

/**
 * The error for an HTTP error response: by `code` when the server sent a
 * known one, otherwise by status.
 * @param {number} status
 * @param {unknown} body parsed JSON body, or text, or undefined
 * @param {Headers} [headers]
 * @returns {GymHTTPError}
 */
export function errorFromResponse(status, body, headers) {
  const fields = body !== null && typeof body === "object" ? /** @type {Record<string, unknown>} */ (body) : {};
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const message = typeof fields.message === "string"
    ? fields.message
    : `HTTP ${status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`;
  const ErrorClass = (code && BY_CODE[code]) || classForStatus(status);
  return new ErrorClass(message, { status, code, body, headers });
}
