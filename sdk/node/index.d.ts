// Types of gym-http-client. Wire shapes keep the server's field names.

export declare const VERSION: string;
export declare const DEFAULT_BASE_URL: string;
export declare const DEFAULT_TIMEOUT_MS: number;
export declare const DEFAULT_MAX_RETRIES: number;

/** A float as the wire carries it: non-finite values are strings. */
export type WireFloat = number | "NaN" | "Infinity" | "-Infinity";
/** Any JSON value: an observation, action or frame encoded per its space. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
/** A value this package can send: JSON plus non-finite numbers, typed arrays and bigints. */
export type SendableValue =
  | null | boolean | number | bigint | string
  | ArrayLike<number> | BigInt64Array | BigUint64Array | NumericArray
  | SendableValue[] | { [key: string]: SendableValue };
/** Bounds nested in a Box's shape. */
export type NestedBounds = WireFloat | NestedBounds[];

export interface DiscreteSpace { name: "Discrete"; n: number; start: number; dtype: string }
export interface BoxSpace {
  name: "Box"; shape: number[]; low: number[]; high: number[]; dtype: string;
  bounds: { low: NestedBounds; high: NestedBounds };
}
export interface MultiBinarySpace { name: "MultiBinary"; n: number | number[]; shape: number[]; dtype: string }
export interface MultiDiscreteSpace { name: "MultiDiscrete"; nvec: JSONValue; start: JSONValue; shape: number[]; dtype: string }
export interface TupleSpace { name: "Tuple"; spaces: SpaceDescription[] }
export interface DictSpace { name: "Dict"; spaces: Record<string, SpaceDescription> }
export interface TextSpace { name: "Text"; min_length: number; max_length: number; charset: string }
export interface SequenceSpace { name: "Sequence"; feature_space: SpaceDescription; stack: boolean }
/**
 * The space kinds the wire carries, discriminated by `name`. A kind the
 * server cannot carry (Graph, custom spaces) arrives as an OtherSpace with
 * `supported: false`; it is kept out of this union so `space.name === "Box"`
 * narrows to BoxSpace.
 */
export type SpaceDescription =
  | DiscreteSpace | BoxSpace | MultiBinarySpace | MultiDiscreteSpace
  | TupleSpace | DictSpace | TextSpace | SequenceSpace;
/** A space kind the server cannot carry over the wire, described by its class name only. */
export interface OtherSpace { name: string; shape?: number[] | null; supported: false }

export interface EnvDescription {
  instance_id: string;
  env_id: string;
  render_mode: string | null;
  render_modes: string[];
  max_episode_steps: number | null;
  reward_threshold: number | null;
  nondeterministic: boolean;
  seed: number | null;
  kwargs: Record<string, JSONValue>;
  episodes: number;
  total_steps: number;
  episode_steps: number;
  action_space: SpaceDescription;
  observation_space: SpaceDescription;
}

export interface RegistryEntry {
  env_id: string;
  max_episode_steps: number | null;
  reward_threshold: number | null;
  nondeterministic: boolean;
}

export interface WireResetResult { observation: JSONValue; info: Record<string, JSONValue> }
export interface WireStepResult {
  observation: JSONValue;
  reward: WireFloat;
  terminated: boolean;
  truncated: boolean;
  /** `terminated || truncated`, for the original clients. */
  done: boolean;
  info: Record<string, JSONValue>;
  render?: JSONValue;
}
export interface RenderResult { render_mode: string; frame: JSONValue }
export interface RenderParams {
  /** `"png"`: the frame of an `rgb_array` instance as PNG bytes. Default `"json"`. */
  format?: "json" | "png";
}

/**
 * A numeric array as `arrays: "typed"` decodes it from msgpack: numpy's
 * dtype name, the shape, and the elements row-major in a typed array
 * (Uint8Array for bool, Float32Array for float16, BigInt64Array and
 * BigUint64Array for the 64-bit integers).
 */
export interface NumericArray {
  dtype: "bool" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64"
    | "float16" | "float32" | "float64";
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint16Array | Uint32Array
    | BigUint64Array | Float32Array | Float64Array;
}

/** `POST /v1/upload/`'s answer. */
export interface UploadResult {
  run_id: string;
  /** `false` when this recording was uploaded before: `run_id` is the run stored then. */
  created: boolean;
  env_id: string;
  episodes: number;
}

/** One uploaded run, as `results()` lists it. */
export interface ResultSummary {
  run_id: string;
  env_id: string;
  algorithm_id: string | null;
  /** A hash of the uploader's api_key. */
  uploader: string;
  /** The recorded folder, relative to the server's data folder. */
  training_dir: string;
  /** Unix time of the upload. */
  uploaded_at: number;
  episodes: number;
  mean_reward: WireFloat | null;
  best_reward: WireFloat | null;
  wall_time: number;
}

/** One uploaded run with every episode, as `result(runId)` gives it. */
export interface ResultDetail extends ResultSummary {
  episode_rewards: WireFloat[];
  episode_lengths: number[];
  /** Unix time at each episode's end. */
  timestamps: number[];
  initial_reset_timestamp: number | null;
  /** Video file names in the recorded folder. */
  videos: string[];
}

export interface ResultsParams {
  /** Only runs of this environment id. */
  envId?: string;
  /** At most this many runs (1 to 1000; the server's default is 100). */
  limit?: number;
}
export interface Health { status: "ok"; version: string; envs: number }

export interface ClientOptions {
  /** Default: `$GYM_HTTP_SERVER`, else http://127.0.0.1:5000. */
  baseURL?: string;
  /** Sent as `Authorization: Bearer <token>`. Default: `$GYM_HTTP_TOKEN`, else `$GYM_HTTP_SERVER_TOKEN`. */
  token?: string;
  /** Per attempt, checked every 50 ms. Default 60000. */
  timeoutMs?: number;
  /** Retries of idempotent requests. Default 2. */
  maxRetries?: number;
  /** Send through this fetch instead of node:http's keep-alive agent. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /**
   * `"msgpack"` (default): ask for msgpack, accept JSON from servers that
   * only speak JSON. `"json"`: ask for JSON only. Answers decode by their
   * Content-Type, to the same values either way.
   */
  encoding?: "msgpack" | "json";
  /**
   * How numeric arrays that arrive as msgpack decode: `"nested"` (default)
   * to the nested arrays of numbers JSON carries, `"typed"` to a
   * NumericArray. JSON answers always carry nested arrays.
   */
  arrays?: "nested" | "typed";
}

/** Per-call options, the last argument of every method. */
export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
  headers?: Record<string, string>;
}

export interface LowLevelRequestOptions extends RequestOptions {
  /** Serialized as JSON (non-finite numbers as strings, bigints exact). */
  body?: unknown;
  /** Sent verbatim instead of `body`. */
  rawBody?: string;
  /** Whether a retry is safe. Default: true for GET, HEAD, OPTIONS, PUT, DELETE. */
  idempotent?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /**
   * Decoded by Content-Type: JSON and msgpack as values, `image/png` as its
   * bytes; an unlabelled body as JSON, else its text; undefined when empty.
   */
  body: unknown;
  /** The body as received. */
  bytes: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
  attempts: number;
}

export type Seed = number | bigint;

export interface CreateEnvParams {
  envId: string;
  seed?: Seed;
  renderMode?: string;
  kwargs?: Record<string, unknown>;
}

export interface ResetParams { seed?: Seed; options?: Record<string, unknown> }

export interface CreateGroupParams {
  envId: string;
  count: number;
  seed?: Seed;
  options?: Record<string, unknown>;
  renderMode?: string;
  kwargs?: Record<string, unknown>;
}
/** The instances of a group, their first observations and infos, in one order. */
export interface WireGroupResult { instance_ids: string[]; observations: JSONValue[]; infos: Record<string, JSONValue>[] }

export type VectorizationMode = "vector_entry_point" | "sync" | "async";
export interface CreateVectorEnvParams {
  envId: string;
  numEnvs: number;
  seed?: Seed;
  /** Default: the env's own vector entry point where it has one, else "sync". */
  vectorizationMode?: VectorizationMode;
  kwargs?: Record<string, unknown>;
}
export interface VectorEnvDescription {
  vector_id: string;
  env_id: string;
  num_envs: number;
  vectorization_mode: VectorizationMode;
  autoreset_mode: "NextStep" | "SameStep" | "Disabled";
  max_episode_steps: number | null;
  seed: number | null;
  kwargs: Record<string, JSONValue>;
  resets: number;
  steps: number;
  single_action_space: SpaceDescription;
  single_observation_space: SpaceDescription;
  action_space: SpaceDescription;
  observation_space: SpaceDescription;
}
/** Batched values: one entry per sub-environment. */
export interface WireVectorResetResult { observations: JSONValue; infos: Record<string, JSONValue> }
export interface WireVectorStepResult {
  observations: JSONValue;
  rewards: WireFloat[];
  terminations: boolean[];
  truncations: boolean[];
  infos: Record<string, JSONValue>;
}
export interface StepParams { render?: boolean }

export declare class GymClient {
  constructor(options?: ClientOptions);
  readonly baseURL: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly encoding: "msgpack" | "json";
  readonly arrays: "nested" | "typed";
  request(method: string, path: string, options?: LowLevelRequestOptions): Promise<RawResponse>;
  /** Close idle keep-alive connections; later requests open new ones. */
  close(): void;
  createEnv(params: CreateEnvParams | string, options?: RequestOptions): Promise<string>;
  listEnvs(options?: RequestOptions): Promise<Record<string, string>>;
  describeEnv(id: string, options?: RequestOptions): Promise<EnvDescription>;
  registry(options?: RequestOptions): Promise<RegistryEntry[]>;
  reset(id: string, params?: ResetParams, options?: RequestOptions): Promise<WireResetResult>;
  step(id: string, action: SendableValue, params?: StepParams, options?: RequestOptions): Promise<WireStepResult>;
  render(id: string, params?: { format?: "json" }, options?: RequestOptions): Promise<RenderResult>;
  /** The frame of an `rgb_array` instance as PNG bytes (a Buffer under node:http). */
  render(id: string, params: { format: "png" }, options?: RequestOptions): Promise<Uint8Array>;
  actionSpace(id: string, options?: RequestOptions): Promise<SpaceDescription>;
  observationSpace(id: string, options?: RequestOptions): Promise<SpaceDescription>;
  /** The action space as a JSON Schema (2020-12): exactly the actions `step` takes. */
  actionSpaceJsonSchema(id: string, options?: RequestOptions): Promise<Record<string, JSONValue>>;
  observationSpaceJsonSchema(id: string, options?: RequestOptions): Promise<Record<string, JSONValue>>;
  sampleAction(id: string, options?: RequestOptions): Promise<JSONValue>;
  containsAction(id: string, action: SendableValue, options?: RequestOptions): Promise<boolean>;
  containsObservation(id: string, observation: SendableValue, options?: RequestOptions): Promise<boolean>;
  monitorStart(
    id: string,
    params: { directory: string; force?: boolean; resume?: boolean; videoCallable?: boolean | number },
    options?: RequestOptions,
  ): Promise<void>;
  monitorClose(id: string, options?: RequestOptions): Promise<void>;
  upload(params: { trainingDir: string; apiKey: string; algorithmId?: string }, options?: RequestOptions): Promise<UploadResult>;
  /** Uploaded runs, newest first. */
  results(params?: ResultsParams, options?: RequestOptions): Promise<ResultSummary[]>;
  /** One uploaded run; NotFoundError (`unknown_run`) when there is none. */
  result(runId: string, options?: RequestOptions): Promise<ResultDetail>;
  closeEnv(id: string, options?: RequestOptions): Promise<void>;
  /** `count` instances of one env, each reset with one seed: all or none. */
  createGroup(params: CreateGroupParams, options?: RequestOptions): Promise<WireGroupResult>;
  /** Reset existing instances with one seed and options. */
  resetGroup(ids: string[], params?: ResetParams, options?: RequestOptions): Promise<WireVectorResetResult>;
  createVectorEnv(params: CreateVectorEnvParams, options?: RequestOptions): Promise<string>;
  listVectorEnvs(options?: RequestOptions): Promise<Record<string, { env_id: string; num_envs: number }>>;
  describeVectorEnv(id: string, options?: RequestOptions): Promise<VectorEnvDescription>;
  resetVectorEnv(id: string, params?: ResetParams, options?: RequestOptions): Promise<WireVectorResetResult>;
  /** `actions`: one action per sub-environment. */
  stepVectorEnv(id: string, actions: SendableValue[], options?: RequestOptions): Promise<WireVectorStepResult>;
  closeVectorEnv(id: string, options?: RequestOptions): Promise<void>;
  health(options?: RequestOptions): Promise<Health>;
  shutdown(options?: RequestOptions): Promise<{ message: string }>;
}

/** Milliseconds to wait before a retry, or null for no retry. Pure. */
export declare function retryDelay(attempt: {
  retriesSoFar: number;
  maxRetries: number;
  idempotent: boolean;
  status?: number;
  code?: string;
  error?: unknown;
  retryAfter?: string | null;
  now?: number;
  random?: () => number;
}): number | null;

// Observations and actions decoded to JS values (non-finite floats as numbers).
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface ResetResult<Obs = Value> { observation: Obs; info: Record<string, Value> }
export interface StepResult<Obs = Value> {
  observation: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Record<string, Value>;
  render?: JSONValue;
}

export interface MakeEnvOptions extends ClientOptions {
  client?: GymClient;
  seed?: Seed;
  renderMode?: string;
  kwargs?: Record<string, unknown>;
}

export declare class RemoteEnv<Obs = Value, Act = Value> {
  constructor(client: GymClient, instanceId: string, description: EnvDescription);
  static create<Obs = Value, Act = Value>(
    client: GymClient, envId: string, params?: Omit<CreateEnvParams, "envId">,
  ): Promise<RemoteEnv<Obs, Act>>;
  readonly client: GymClient;
  readonly instanceId: string;
  readonly envId: string;
  readonly actionSpace: SpaceDescription;
  readonly observationSpace: SpaceDescription;
  readonly spec: { maxEpisodeSteps: number | null; rewardThreshold: number | null; nondeterministic: boolean };
  readonly renderMode: string | null;
  readonly closed: boolean;
  reset(params?: ResetParams): Promise<ResetResult<Obs>>;
  step(action: Act | SendableValue, params?: StepParams): Promise<StepResult<Obs>>;
  sampleAction(): Promise<Act>;
  containsAction(action: Act | SendableValue): Promise<boolean>;
  containsObservation(observation: Obs | SendableValue): Promise<boolean>;
  render(params?: { format?: "json" }): Promise<JSONValue>;
  /** The frame of an `rgb_array` instance as PNG bytes. */
  render(params: { format: "png" }): Promise<Uint8Array>;
  describe(): Promise<EnvDescription>;
  close(): Promise<void>;
}

export declare function makeEnv<Obs = Value, Act = Value>(envId: string, options?: MakeEnvOptions): Promise<RemoteEnv<Obs, Act>>;

// Values on the wire and back.
export declare function encodeFloat(x: number): WireFloat;
export declare function decodeFloat(value: unknown): number;
export declare function encodeValue(value: unknown): unknown;
export declare function toJSONText(value: unknown): string;
export declare function decodeValue(space: SpaceDescription | OtherSpace, value: unknown): Value;
export declare function decodeNonFinite(value: unknown): Value;
export declare function boxBounds(space: SpaceDescription | OtherSpace): { low: Value; high: Value };

// msgpack.
/** The bytes are not msgpack this package reads (extension types are refused). */
export declare class MsgpackDecodeError extends Error {
  constructor(message: string);
}
/** One msgpack value; integers beyond ±2**53 as BigInts, numeric-array maps per `arrays`. */
export declare function decodeMsgpack(bytes: Uint8Array, options?: { arrays?: "nested" | "typed" }): unknown;

// Errors.
export interface ErrorDetails { status?: number; code?: string; body?: unknown; headers?: Headers; cause?: unknown }

export declare class GymHTTPError extends Error {
  constructor(message: string, details?: ErrorDetails);
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The server's stable error code, e.g. `unknown_instance`. */
  readonly code: string | undefined;
  readonly body: unknown;
  readonly headers: Headers | undefined;
  readonly cause?: unknown;
}
export declare class APIConnectionError extends GymHTTPError {
  constructor(message?: string, details?: ErrorDetails);
}
export declare class APITimeoutError extends APIConnectionError {}
export declare class APIUserAbortError extends GymHTTPError {
  constructor(message?: string, details?: ErrorDetails);
}
export declare class UnknownInstanceError extends GymHTTPError {}
export declare class EnvBrokenError extends UnknownInstanceError {}
export declare class StepTimeoutError extends EnvBrokenError {}
export declare class EnvProcessDiedError extends EnvBrokenError {}
export declare class BadRequestError extends GymHTTPError {}
export declare class InvalidActionError extends BadRequestError {}
export declare class ResetNeededError extends BadRequestError {}
export declare class InvalidEnvIdError extends BadRequestError {}
export declare class EnvCreationError extends BadRequestError {}
export declare class AuthError extends GymHTTPError {}
export declare class AuthenticationError extends AuthError {}
export declare class PermissionDeniedError extends AuthError {}
export declare class NotFoundError extends GymHTTPError {}
export declare class LimitError extends GymHTTPError {}
export declare class PayloadTooLargeError extends LimitError {}
export declare class RateLimitError extends LimitError {}
export declare class TooManyEnvsError extends RateLimitError {}
export declare class NotImplementedError extends GymHTTPError {}
export declare class InternalServerError extends GymHTTPError {}
export declare function errorFromResponse(status: number, body: unknown, headers?: Headers): GymHTTPError;
/** Every code the server sends (the spec's `x-error-codes`), to its error class. */
export declare const ERROR_CODES: Readonly<Record<string, typeof GymHTTPError>>;
/** The error class of each category of the spec's `x-error-categories`. */
export declare const CATEGORY_CLASSES: Readonly<Record<string, typeof GymHTTPError>>;
