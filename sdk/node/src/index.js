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
  EnvBrokenError,
  StepTimeoutError,
  EnvProcessDiedError,
  BadRequestError,
  InvalidActionError,
  ResetNeededError,
  InvalidEnvIdError,
  EnvCreationError,
  AuthError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  LimitError,
  PayloadTooLargeError,
  RateLimitError,
  TooManyEnvsError,
  NotImplementedError,
  InternalServerError,
  errorFromResponse,
  ERROR_CODES,
  CATEGORY_CLASSES,
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
