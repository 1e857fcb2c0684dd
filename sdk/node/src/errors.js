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
 * The instance or batch is gone: never created, closed, expired, or its
 * process died. Not a subclass of BadRequestError: it means "make a new one",
 * whatever status the server uses for it.
 */
export class UnknownInstanceError extends GymHTTPError {}

/**
 * The instance (or batch) can no longer serve and never will: close it and
 * create another. Never retried, whatever its status.
 */
export class EnvBrokenError extends UnknownInstanceError {}

/** A reset, step or render overran the server's deadline (504 `step_timeout`). */
export class StepTimeoutError extends EnvBrokenError {}

/** The process running the environment died (400 `env_process_died`). */
export class EnvProcessDiedError extends EnvBrokenError {}

/** Codes whose status may look transient (504) but whose cause is not. */
export const NOT_RETRYABLE_CODES = new Set(["step_timeout", "env_process_died"]);

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

/** The server refused the caller (401) or the operation (403). */
export class AuthError extends GymHTTPError {}

/** The server needs a bearer token and did not get the right one (401): set `token` or GYM_HTTP_TOKEN. */
export class AuthenticationError extends AuthError {}

/** Shutdown over HTTP is disabled on this server (403). */
export class PermissionDeniedError extends AuthError {}

/** No such route (404), method (405) or uploaded run. */
export class NotFoundError extends GymHTTPError {}

/** A server limit was hit: live environments, batch size, body size. */
export class LimitError extends GymHTTPError {}

/** The request body exceeds the server's limit (413). */
export class PayloadTooLargeError extends LimitError {}

/** Too many requests (429). */
export class RateLimitError extends LimitError {}

/** The server already runs its `--max-envs` instances. */
export class TooManyEnvsError extends RateLimitError {}

/** The server cannot do this at all: a 501 (video without an encoder), a space kind it cannot carry, or PNG frames asked of a server that cannot send them. */
export class NotImplementedError extends GymHTTPError {}

/** The server failed (5xx). */
export class InternalServerError extends GymHTTPError {}

/**
 * The class of each category of the spec's error table
 * (`components.x-error-categories` in spec/openapi.yaml).
 * @type {Readonly<Record<string, typeof GymHTTPError>>}
 */
export const CATEGORY_CLASSES = Object.freeze({
  invalid_request: BadRequestError,
  gone: UnknownInstanceError,
  not_found: NotFoundError,
  capacity: LimitError,
  auth: AuthError,
  unsupported: NotImplementedError,
  server: InternalServerError,
});

/**
 * Every code the server sends (`components.x-error-codes`), to its class: its
 * category's class, or a subclass of it that says more.
 * @type {Readonly<Record<string, typeof GymHTTPError>>}
 */
export const ERROR_CODES = Object.freeze({
  bad_request: BadRequestError,
  malformed_json: BadRequestError,
  malformed_msgpack: BadRequestError,
  missing_parameter: BadRequestError,
  invalid_parameter: BadRequestError,
  invalid_reset_options: BadRequestError,
  invalid_directory: BadRequestError,
  recording_exists: BadRequestError,
  already_recording: BadRequestError,
  recording_in_progress: BadRequestError,
  video_needs_rgb_array: BadRequestError,
  png_needs_rgb_array: BadRequestError,
  no_recording: BadRequestError,
  wrong_batch_size: BadRequestError,
  length_required: BadRequestError,
  unsupported_media_type: BadRequestError,
  invalid_action: InvalidActionError,
  reset_needed: ResetNeededError,
  malformed_env_id: InvalidEnvIdError,
  unknown_env_id: InvalidEnvIdError,
  deprecated_env_id: InvalidEnvIdError,
  env_id_refused: InvalidEnvIdError,
  env_unavailable: EnvCreationError,
  env_creation_failed: EnvCreationError,
  kwargs_too_large: EnvCreationError,
  kwarg_not_allowed: EnvCreationError,
  invalid_render_mode: EnvCreationError,
  unknown_instance: UnknownInstanceError,
  instance_expired: UnknownInstanceError,
  env_process_died: EnvProcessDiedError,
  step_timeout: StepTimeoutError,
  unknown_vector: UnknownInstanceError,
  vector_expired: UnknownInstanceError,
  not_found: NotFoundError,
  method_not_allowed: NotFoundError,
  unknown_run: NotFoundError,
  too_many_envs: TooManyEnvsError,
  server_full: LimitError,
  num_envs_too_large: LimitError,
  body_too_large: PayloadTooLargeError,
  unauthorized: AuthenticationError,
  shutdown_disabled: PermissionDeniedError,
  unsupported_space: NotImplementedError,
  video_unavailable: NotImplementedError,
  internal_error: InternalServerError,
});

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
  const ErrorClass = (code !== undefined && Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code]) || classForStatus(status);
  return new ErrorClass(message, { status, code, body, headers });
}
