/** gym-http-client: Gymnasium environments on a gym-http-server, from JavaScript. */

export {
  GymClient,
  retryDelay,
  VERSION,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
} from "./client.js";
export {
  GymHTTPError,
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  UnknownInstanceError,
  BadRequestError,
  InvalidActionError,
  ResetNeededError,
  InvalidEnvIdError,
  EnvCreationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitError,
  TooManyEnvsError,
  NotImplementedError,
  InternalServerError,
  errorFromResponse,
} from "./errors.js";
export {
  encodeFloat,
  decodeFloat,
  encodeValue,
  toJSONText,
  decodeValue,
  decodeNonFinite,
  boxBounds,
} from "./spaces.js";
export { decodeMsgpack, MsgpackDecodeError } from "./msgpack.js";
export { RemoteEnv, makeEnv } from "./env.js";
