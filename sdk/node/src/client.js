/**
 * The transport and one method per endpoint. Methods return what the wire
 * says (field names as sent, non-finite floats as strings); RemoteEnv turns
 * that into JS values. Failed requests throw errors from errors.js.
 *
 * Requests go through `node:http` on a keep-alive agent: the built-in fetch
 * (undici) costs more per request than a whole server step, so a step loop
 * through it ran at well under half the rate of a plain `node:http` loop.
 * A `fetch` can still be passed in (a test's fault injector, another runtime).
 */

import http from "node:http";
import https from "node:https";
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  GymHTTPError,
  NOT_RETRYABLE_CODES,
  NotImplementedError,
  errorFromResponse,
} from "./errors.js";
import { MsgpackDecodeError, decodeMsgpack } from "./msgpack.js";
import { toJSONText } from "./spaces.js";

export const VERSION = "1.0.0";
export const DEFAULT_BASE_URL = "http://127.0.0.1:5000";
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The `code` of an error body, if it has one.
 * @param {unknown} body
 * @returns {string | undefined}
 */
function errorCode(body) {
  const code = typeof body === "object" && body !== null ? /** @type {any} */ (body).code : undefined;
  return typeof code === "string" ? code : undefined;
}
const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;
/** How often in-flight requests are checked against their timeout. */
const WATCHDOG_MS = 50;

/**
 * How long to wait before retrying, or null for "do not retry". Pure, so the
 * policy is tested without a network. Only idempotent requests are retried;
 * create, reset and step never are, since the server may have acted on the
 * first attempt. A Retry-After of 0–60 s is honoured as sent; otherwise the
 * wait doubles from 0.5 s up to 8 s, less up to 25 % random jitter so that
 * many clients do not retry in step.
 * @param {{retriesSoFar: number, maxRetries: number, idempotent: boolean,
 *   status?: number, code?: string, error?: unknown, retryAfter?: string | null,
 *   now?: number, random?: () => number}} attempt
 * @returns {number | null} milliseconds
 */
export function retryDelay({ retriesSoFar, maxRetries, idempotent, status, code, error, retryAfter, now = Date.now(), random = Math.random }) {
  if (!idempotent || retriesSoFar >= maxRetries) return null;
  if (code !== undefined && NOT_RETRYABLE_CODES.has(code)) return null; // a 504 step_timeout: broken for good
  const transient = error !== undefined
    ? error instanceof APIConnectionError
    : status !== undefined && RETRYABLE_STATUSES.has(status);
  if (!transient) return null;
  const asked = retryAfterMs(retryAfter, now);
  if (asked !== null && asked >= 0 && asked <= MAX_RETRY_AFTER_MS) return asked;
  const backoff = Math.min(INITIAL_DELAY_MS * 2 ** retriesSoFar, MAX_DELAY_MS);
  return backoff * (1 - 0.25 * random());
}

/**
 * A Retry-After header (seconds or an HTTP date) in milliseconds from `now`.
 * @param {string | null | undefined} header
 * @param {number} now
 */
function retryAfterMs(header, now) {
  if (header == null || header.trim() === "") return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/**
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError());
    const onAbort = () => { clearTimeout(timer); reject(new APIUserAbortError()); };
    const timer = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(undefined); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** What the client accepts when it negotiates msgpack: a JSON-only server answers JSON. */
const ACCEPT_MSGPACK = "application/msgpack, application/json;q=0.5";
const ACCEPT_JSON = "application/json";
const ACCEPT_PNG = "image/png";

/** @param {Uint8Array} bytes */
function utf8Text(bytes) {
  return Buffer.isBuffer(bytes) ? bytes.toString("utf8") : new TextDecoder().decode(bytes);
}

/**
 * One decoder per response media type. msgpack arrays decode to the values
 * the JSON body would hold, unless the client was made with `arrays: "typed"`.
 * @type {Record<string, (bytes: Uint8Array, arrays: "nested" | "typed") => unknown>}
 */
export const DECODERS = {
  "application/json": (bytes) => JSON.parse(utf8Text(bytes)),
  "application/msgpack": (bytes, arrays) => decodeMsgpack(bytes, { arrays }),
  "application/x-msgpack": (bytes, arrays) => decodeMsgpack(bytes, { arrays }),
  "application/vnd.msgpack": (bytes, arrays) => decodeMsgpack(bytes, { arrays }),
  "image/png": (bytes) => bytes,
};

/**
 * The body as values: decoded by its media type, an unlabelled body tried as
 * JSON, and the text itself when it cannot be decoded.
 * @param {string | null | undefined} contentType
 * @param {Uint8Array} bytes
 * @param {"nested" | "typed"} arrays
 */
function parseBody(contentType, bytes, arrays) {
  if (bytes.length === 0) return undefined;
  const media = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const decode = DECODERS[media];
  if (decode !== undefined && media !== "application/json") return decode(bytes, arrays);
  try {
    return JSON.parse(utf8Text(bytes));
  } catch {
    return utf8Text(bytes);
  }
}

/**
 * The Content-Type of a node:http response, found without building its headers object.
 * @param {string[]} raw alternating names and values
 */
function contentType(raw) {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 12 && raw[i].toLowerCase() === "content-type") return raw[i + 1];
  }
  return undefined;
}

/**
 * An answer from node:http. Its headers become a WHATWG Headers object only
 * when read: building one for every step cost more than the step's own parsing.
 */
class WireResponse {
  /** @type {string[]} */
  #raw;
  /** @type {Headers | undefined} */
  #headers;
  /** @type {string | undefined} */
  #text;

  /**
   * @param {number} status
   * @param {string[] | Headers} raw alternating header names and values, or the headers
   * @param {unknown} body
   * @param {Uint8Array} bytes the body as received
   */
  constructor(status, raw, body, bytes) {
    this.status = status;
    if (raw instanceof Headers) this.#headers = raw;
    else this.#raw = raw;
    this.body = body;
    this.bytes = bytes;
    this.attempts = 1;
  }

  /** The body as UTF-8 text, decoded when first read. */
  get text() {
    if (this.#text === undefined) this.#text = utf8Text(this.bytes);
    return this.#text;
  }

  get headers() {
    if (this.#headers === undefined) {
      this.#headers = new Headers();
      for (let i = 0; i < this.#raw.length; i += 2) this.#headers.append(this.#raw[i], this.#raw[i + 1]);
    }
    return this.#headers;
  }
}

/** Talks to one gym-http-server. */
export class GymClient {
  /**
   * `encoding: "msgpack"` (the default) asks for msgpack and takes JSON from
   * servers that only speak JSON; `"json"` asks for JSON only. Either way an
   * answer is decoded by its Content-Type, and to the same values.
   * @param {{baseURL?: string, token?: string, timeoutMs?: number, maxRetries?: number,
   *   fetch?: typeof fetch, headers?: Record<string, string>, encoding?: "msgpack" | "json",
   *   arrays?: "nested" | "typed"}} [options]
   */
  constructor({
    baseURL, token, timeoutMs = DEFAULT_TIMEOUT_MS, maxRetries = DEFAULT_MAX_RETRIES, fetch: fetchImpl, headers = {},
    encoding = "msgpack", arrays = "nested",
  } = {}) {
    if (encoding !== "msgpack" && encoding !== "json") throw new TypeError(`encoding must be "msgpack" or "json", not ${JSON.stringify(encoding)}`);
    if (arrays !== "nested" && arrays !== "typed") throw new TypeError(`arrays must be "nested" or "typed", not ${JSON.stringify(arrays)}`);
    this.encoding = encoding;
    this.arrays = arrays;
    this.#accept = encoding === "msgpack" ? ACCEPT_MSGPACK : ACCEPT_JSON;
    const env = globalThis.process?.env ?? {};
    this.baseURL = (baseURL ?? env.GYM_HTTP_SERVER ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    // GYM_HTTP_TOKEN, the variable the server reads too; then its older name.
    this.token = token ?? (env.GYM_HTTP_TOKEN || env.GYM_HTTP_SERVER_TOKEN || undefined);
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this.headers = headers;
    /** @type {typeof fetch | undefined} */
    this.fetch = fetchImpl;
    const url = new URL(this.baseURL);
    const secure = url.protocol === "https:";
    this.#target = {
      module: secure ? https : http,
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port || (secure ? 443 : 80),
      prefix: url.pathname.replace(/\/+$/, ""),
    };
    this.#agent = new (secure ? https : http).Agent({ keepAlive: true, scheduling: "lifo" });
  }

  /** @type {{module: typeof http | typeof https, hostname: string, port: string | number, prefix: string}} */
  #target;
  /** @type {import("node:http").Agent} */
  #agent;
  /** @type {string} */
  #accept;
  /** @type {Set<{deadline: number, expire: () => void}>} attempts in flight */
  #inflight = new Set();
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #watchdog;

  /** Close idle keep-alive connections; later requests open new ones. */
  close() {
    this.#agent.destroy();
  }

  /**
   * Send one request and return the response whatever its status; only a
   * missing answer throws. Retries transient failures of idempotent requests.
   * @param {string} method
   * @param {string} path appended to baseURL
   * @param {{body?: unknown, rawBody?: string, headers?: Record<string, string>, idempotent?: boolean,
   *   signal?: AbortSignal, timeoutMs?: number, maxRetries?: number}} [options]
   * @returns {Promise<{status: number, headers: Headers, body: unknown, bytes: Uint8Array, text: string, attempts: number}>}
   */
  async request(method, path, options = {}) {
    const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(method.toUpperCase());
    const maxRetries = options.maxRetries ?? this.maxRetries;
    for (let retriesSoFar = 0; ; retriesSoFar += 1) {
      let response;
      try {
        response = await this.#attempt(method, path, options);
      } catch (error) {
        const delay = retryDelay({ retriesSoFar, maxRetries, idempotent, error });
        if (delay === null) throw error;
        await sleep(delay, options.signal);
        continue;
      }
      response.attempts = retriesSoFar + 1;
      if (!RETRYABLE_STATUSES.has(response.status)) return response;
      const delay = retryDelay({
        retriesSoFar, maxRetries, idempotent, status: response.status, code: errorCode(response.body),
        retryAfter: response.headers.get("retry-after"),
      });
      if (delay === null) return response;
      await sleep(delay, options.signal);
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{body?: unknown, rawBody?: string, headers?: Record<string, string>, signal?: AbortSignal, timeoutMs?: number}} options
   */
  async #attempt(method, path, { body, rawBody, headers = {}, signal, timeoutMs = this.timeoutMs }) {
    const sent = rawBody ?? (body === undefined ? undefined : toJSONText(body));
    const sentHeaders = this.#headers(body !== undefined && rawBody === undefined, headers);
    const route = path.startsWith("/") ? path : `/${path}`;
    if (signal?.aborted) throw new APIUserAbortError();
    let timedOut = false;
    let cancel = () => {};
    const watched = { deadline: performance.now() + timeoutMs, expire: () => { timedOut = true; cancel(); } };
    this.#watch(watched);
    const onAbort = () => cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (this.fetch) {
        const controller = new AbortController();
        cancel = () => controller.abort();
        const response = await this.fetch(this.baseURL + route, {
          method, headers: new Headers(sentHeaders), body: sent, signal: controller.signal,
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        const body = parseBody(response.headers.get("content-type"), bytes, this.arrays);
        return new WireResponse(response.status, response.headers, body, bytes);
      }
      return await this.#exchange(method, route, sentHeaders, sent, (destroy) => { cancel = destroy; });
    } catch (cause) {
      if (cause instanceof MsgpackDecodeError) {
        throw new GymHTTPError(`Undecodable msgpack answer from ${this.baseURL}: ${cause.message}`, { cause });
      }
      if (signal?.aborted && !timedOut) throw new APIUserAbortError(undefined, { cause });
      if (timedOut) throw new APITimeoutError(`No answer from ${this.baseURL} within ${timeoutMs} ms`, { cause });
      throw new APIConnectionError(`Cannot reach ${this.baseURL}: ${describeCause(cause)}`, { cause });
    } finally {
      this.#inflight.delete(watched);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Time an attempt out at its deadline. One watchdog per client checks every
   * WATCHDOG_MS while attempts are in flight and stops when none are: a timer
   * per request (setTimeout, or the socket's) cost more than the rest of the
   * client's work on a step.
   * @param {{deadline: number, expire: () => void}} watched
   */
  #watch(watched) {
    this.#inflight.add(watched);
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => {
      if (this.#inflight.size === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
        return;
      }
      const now = performance.now();
      for (const attempt of this.#inflight) {
        if (now >= attempt.deadline) {
          this.#inflight.delete(attempt);
          attempt.expire();
        }
      }
    }, WATCHDOG_MS);
    this.#watchdog.unref();
  }

  /**
   * One request and its answer over the keep-alive agent. Headers and body
   * leave in one write, since the length is known up front.
   * @param {string} method
   * @param {string} route
   * @param {Record<string, string>} headers
   * @param {string | undefined} sent
   * @param {(destroy: () => void) => void} onCancel receives a function that aborts the exchange
   * @returns {Promise<{status: number, headers: Headers, body: unknown, bytes: Uint8Array, text: string}>}
   */
  #exchange(method, route, headers, sent, onCancel) {
    const { module, hostname, port, prefix } = this.#target;
    if (sent !== undefined) headers["content-length"] = String(Buffer.byteLength(sent));
    return new Promise((resolve, reject) => {
      const request = module.request({ agent: this.#agent, hostname, port, method, path: prefix + route, headers }, (response) => {
        /** @type {Buffer[]} */
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => {
          const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          try {
            resolve(new WireResponse(
              /** @type {number} */ (response.statusCode),
              response.rawHeaders,
              parseBody(contentType(response.rawHeaders), bytes, this.arrays),
              bytes,
            ));
          } catch (error) {
            reject(error);
          }
        });
        response.on("error", reject);
      });
      request.on("error", reject);
      onCancel(() => request.destroy(new Error("cancelled")));
      request.end(sent);
    });
  }

  /**
   * Defaults, then the client's headers, then the request's; names are
   * case-insensitive, so a later `Content-Type` replaces `content-type`.
   * @param {boolean} json
   * @param {Record<string, string>} extra
   */
  #headers(json, extra) {
    /** @type {Record<string, string>} */
    const headers = { accept: this.#accept, "user-agent": `gym-http-client-node/${VERSION}` };
    if (json) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    for (const name in this.headers) headers[name.toLowerCase()] = String(this.headers[name]);
    for (const name in extra) headers[name.toLowerCase()] = String(extra[name]);
    return headers;
  }

  /**
   * The body of a 2xx answer, or the matching error.
   * @param {string} method
   * @param {string} path
   * @param {object} [options]
   */
  async #call(method, path, options = {}) {
    const response = await this.request(method, path, options);
    if (response.status >= 400) throw errorFromResponse(response.status, response.body, response.headers);
    return /** @type {any} */ (response.body);
  }

  /** @param {string} id @param {string} [rest] */
  #envPath(id, rest = "") {
    return `/v1/envs/${encodeURIComponent(id)}/${rest}`;
  }

  /** Create an instance; resolves to its id. Never retried. */
  async createEnv(params, options = {}) {
    const { envId, seed, renderMode, kwargs } = typeof params === "string" ? { envId: params } : params;
    const body = { env_id: envId, ...defined({ seed, render_mode: renderMode, kwargs }) };
    return (await this.#call("POST", "/v1/envs/", { ...options, body })).instance_id;
  }

  /** Live instances: instance id → env id. */
  async listEnvs(options = {}) {
    return (await this.#call("GET", "/v1/envs/", options)).all_envs;
  }

  async describeEnv(id, options = {}) {
    return this.#call("GET", this.#envPath(id), options);
  }

  /** The environment ids this server can create, with their spec facts. */
  async registry(options = {}) {
    return (await this.#call("GET", "/v1/registry/", options)).envs;
  }

  /** Start an episode; resolves to {observation, info}. Never retried. */
  async reset(id, { seed, options: resetOptions } = {}, options = {}) {
    return this.#call("POST", this.#envPath(id, "reset/"), { ...options, body: defined({ seed, options: resetOptions }) });
  }

  /** Take one action; resolves to {observation, reward, terminated, truncated, done, info, render?}. Never retried. */
  async step(id, action, { render } = {}, options = {}) {
    const body = render === undefined ? { action } : { action, render };
    return this.#call("POST", this.#envPath(id, "step/"), { ...options, body });
  }

  /**
   * The current frame: `{render_mode, frame}`, or with `format: "png"` the
   * frame of an `rgb_array` instance as PNG bytes (a Buffer under node:http).
   */
  async render(id, { format } = {}, options = {}) {
    if (format === undefined || format === "json") return this.#call("GET", this.#envPath(id, "render/"), options);
    if (format !== "png") throw new TypeError(`format must be "json" or "png", not ${JSON.stringify(format)}`);
    const headers = { ...options.headers, accept: ACCEPT_PNG };
    const response = await this.request("GET", this.#envPath(id, "render/"), { ...options, headers });
    if (response.status >= 400) throw errorFromResponse(response.status, response.body, response.headers);
    const type = response.headers.get("content-type") ?? "";
    if (!type.toLowerCase().startsWith(ACCEPT_PNG)) {
      throw new NotImplementedError(`${this.baseURL} answered ${type || "no Content-Type"}, not ${ACCEPT_PNG}: it cannot send PNG frames`, {
        status: response.status, body: response.body, headers: response.headers,
      });
    }
    return /** @type {Uint8Array} */ (response.body);
  }

  async actionSpace(id, options = {}) {
    return (await this.#call("GET", this.#envPath(id, "action_space/"), options)).info;
  }

  async observationSpace(id, options = {}) {
    return (await this.#call("GET", this.#envPath(id, "observation_space/"), options)).info;
  }

  /** The action space as a JSON Schema (2020-12): the actions `step` takes. */
  async actionSpaceJsonSchema(id, options = {}) {
    return this.#call("GET", this.#envPath(id, "action_space/json_schema"), options);
  }

  /** The observation space as a JSON Schema (2020-12). */
  async observationSpaceJsonSchema(id, options = {}) {
    return this.#call("GET", this.#envPath(id, "observation_space/json_schema"), options);
  }

  async sampleAction(id, options = {}) {
    return (await this.#call("GET", this.#envPath(id, "action_space/sample"), options)).action;
  }

  /** Read-only, so retried like a GET although it is a POST. */
  async containsAction(id, action, options = {}) {
    const path = this.#envPath(id, "action_space/contains");
    return (await this.#call("POST", path, { idempotent: true, ...options, body: { action } })).member;
  }

  /** Read-only, so retried like a GET although it is a POST. */
  async containsObservation(id, observation, options = {}) {
    const path = this.#envPath(id, "observation_space/contains");
    return (await this.#call("POST", path, { idempotent: true, ...options, body: { observation } })).member;
  }

  async monitorStart(id, { directory, force, resume, videoCallable } = {}, options = {}) {
    const body = { directory, ...defined({ force, resume, video_callable: videoCallable }) };
    await this.#call("POST", this.#envPath(id, "monitor/start/"), { ...options, body });
  }

  async monitorClose(id, options = {}) {
    await this.#call("POST", this.#envPath(id, "monitor/close/"), options);
  }

  /**
   * Store a recording (a `monitorStart` directory) in the server's results;
   * resolves to `{run_id, created, env_id, episodes}`. The same recording
   * uploaded again resolves to the run stored first, with `created: false`.
   * Never retried.
   */
  async upload({ trainingDir, apiKey, algorithmId } = {}, options = {}) {
    const body = { training_dir: trainingDir, api_key: apiKey, ...defined({ algorithm_id: algorithmId }) };
    return this.#call("POST", "/v1/upload/", { ...options, body });
  }

  /** Summaries of uploaded runs, newest first; `envId` filters, `limit` caps (1–1000, server default 100). */
  async results({ envId, limit } = {}, options = {}) {
    const query = new URLSearchParams(/** @type {Record<string, string>} */ (defined({
      env_id: envId, limit: limit === undefined ? undefined : String(limit),
    })));
    const search = query.toString() === "" ? "" : `?${query}`;
    return (await this.#call("GET", `/v1/results/${search}`, options)).runs;
  }

  /** One uploaded run with every episode; NotFoundError (`unknown_run`) for an unknown id. */
  async result(runId, options = {}) {
    return this.#call("GET", `/v1/results/${encodeURIComponent(runId)}`, options);
  }

  /**
   * Close an instance. Retried: closing is idempotent in effect, and when a
   * retry finds the id unknown, an earlier attempt closed it, so that counts
   * as closed rather than as an error.
   */
  async closeEnv(id, options = {}) {
    const response = await this.request("POST", this.#envPath(id, "close/"), { idempotent: true, ...options });
    if (response.status < 400) return;
    const error = errorFromResponse(response.status, response.body, response.headers);
    if (response.attempts > 1 && error.code === "unknown_instance") return;
    throw error;
  }

  // Groups: N instances of one environment created or reset with one seed.

  /**
   * Create `count` instances of `envId` and reset each with `seed` and
   * `options`; resolves to {instance_ids, observations, infos}. All or none
   * (LimitError `too_many_envs` when the group does not fit). Never retried.
   */
  async createGroup({ envId, count, seed, options: resetOptions, renderMode, kwargs }, options = {}) {
    const body = { env_id: envId, count, ...defined({ seed, options: resetOptions, render_mode: renderMode, kwargs }) };
    return this.#call("POST", "/v1/env_groups/", { ...options, body });
  }

  /** Reset each instance with one seed and options; resolves to {observations, infos}. Never retried. */
  async resetGroup(ids, { seed, options: resetOptions } = {}, options = {}) {
    const body = { instance_ids: ids, ...defined({ seed, options: resetOptions }) };
    return this.#call("POST", "/v1/env_groups/reset/", { ...options, body });
  }

  // Batches (the vector extension): one request resets or steps every sub-environment.

  /** @param {string} id @param {string} [rest] */
  #vectorPath(id, rest = "") {
    return `/v1/vector_envs/${encodeURIComponent(id)}/${rest}`;
  }

  /** Create a batch of `numEnvs` sub-environments; resolves to its id. Never retried. */
  async createVectorEnv({ envId, numEnvs, seed, vectorizationMode, kwargs }, options = {}) {
    const body = { env_id: envId, num_envs: numEnvs, ...defined({ seed, vectorization_mode: vectorizationMode, kwargs }) };
    return (await this.#call("POST", "/v1/vector_envs/", { ...options, body })).vector_id;
  }

  /** Live batches: vector id → {env_id, num_envs}. */
  async listVectorEnvs(options = {}) {
    return (await this.#call("GET", "/v1/vector_envs/", options)).all_vector_envs;
  }

  /** num_envs, modes, single and batched spaces, counters. */
  async describeVectorEnv(id, options = {}) {
    return this.#call("GET", this.#vectorPath(id), options);
  }

  /** Reset every sub-environment; resolves to {observations, infos}. Never retried. */
  async resetVectorEnv(id, { seed, options: resetOptions } = {}, options = {}) {
    return this.#call("POST", this.#vectorPath(id, "reset/"), { ...options, body: defined({ seed, options: resetOptions }) });
  }

  /**
   * One action per sub-environment; resolves to {observations, rewards,
   * terminations, truncations, infos}. Never retried.
   */
  async stepVectorEnv(id, actions, options = {}) {
    return this.#call("POST", this.#vectorPath(id, "step/"), { ...options, body: { actions } });
  }

  /** Close a batch; retried like closeEnv, and an id a retry finds unknown counts as closed. */
  async closeVectorEnv(id, options = {}) {
    const response = await this.request("POST", this.#vectorPath(id, "close/"), { idempotent: true, ...options });
    if (response.status < 400) return;
    const error = errorFromResponse(response.status, response.body, response.headers);
    if (response.attempts > 1 && error.code === "unknown_vector") return;
    throw error;
  }

  /** {status, version, envs}. */
  async health(options = {}) {
    return this.#call("GET", "/healthz", options);
  }

  /** Stop the server (needs --allow-shutdown). Never retried. */
  async shutdown(options = {}) {
    return this.#call("POST", "/v1/shutdown/", options);
  }
}

/** @param {Record<string, unknown>} fields only those that are set */
function defined(fields) {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** @param {unknown} cause */
function describeCause(cause) {
  const error = /** @type {any} */ (cause);
  return String(error?.cause?.code ?? error?.code ?? error?.cause?.message ?? error?.message ?? cause);
}
