/**
 * RemoteEnv: one server-side environment used like a Gymnasium env. It knows
 * its spaces, so it hands back JS values (non-finite floats as numbers) where
 * GymClient hands back the wire's.
 */

import { GymClient } from "./client.js";
import { decodeFloat, decodeNonFinite, decodeValue } from "./spaces.js";

export class RemoteEnv {
  /**
   * Prefer `makeEnv` or `RemoteEnv.create`; this wraps an existing instance.
   * @param {GymClient} client
   * @param {string} instanceId
   * @param {any} description the instance's `describeEnv` answer
   */
  constructor(client, instanceId, description) {
    this.client = client;
    this.instanceId = instanceId;
    this.envId = description.env_id;
    this.actionSpace = description.action_space;
    this.observationSpace = description.observation_space;
    this.spec = {
      maxEpisodeSteps: description.max_episode_steps,
      rewardThreshold: description.reward_threshold,
      nondeterministic: description.nondeterministic,
    };
    this.renderMode = description.render_mode;
    this.closed = false;
  }

  /**
   * Create an instance on the server and describe it.
   * @param {GymClient} client
   * @param {string} envId
   * @param {{seed?: number, renderMode?: string, kwargs?: Record<string, unknown>}} [params]
   */
  static async create(client, envId, { seed, renderMode, kwargs } = {}) {
    const instanceId = await client.createEnv({ envId, seed, renderMode, kwargs });
    try {
      return new RemoteEnv(client, instanceId, await client.describeEnv(instanceId));
    } catch (error) {
      await client.closeEnv(instanceId).catch(() => {});
      throw error;
    }
  }

  /** @param {{seed?: number, options?: Record<string, unknown>}} [params] */
  async reset(params = {}) {
    const { observation, info } = await this.client.reset(this.instanceId, params);
    return { observation: decodeValue(this.observationSpace, observation), info: decodeNonFinite(info) };
  }

  /**
   * @param {unknown} action an element of the action space
   * @param {{render?: boolean}} [params]
   */
  async step(action, params = {}) {
    const answer = await this.client.step(this.instanceId, action, params);
    const result = {
      observation: decodeValue(this.observationSpace, answer.observation),
      reward: decodeFloat(answer.reward),
      terminated: answer.terminated,
      truncated: answer.truncated,
      info: decodeNonFinite(answer.info),
    };
    return "render" in answer ? { ...result, render: answer.render } : result;
  }

  /** A random element of the action space, drawn by the server. */
  async sampleAction() {
    return decodeValue(this.actionSpace, await this.client.sampleAction(this.instanceId));
  }

  /** @param {unknown} action */
  async containsAction(action) {
    return this.client.containsAction(this.instanceId, action);
  }

  /** @param {unknown} observation */
  async containsObservation(observation) {
    return this.client.containsObservation(this.instanceId, observation);
  }

  /**
   * The current frame (needs a `renderMode` at creation); with `format: "png"`,
   * the frame of an `rgb_array` instance as PNG bytes.
   * @param {{format?: "json" | "png"}} [params]
   */
  async render({ format } = {}) {
    if (format === "png") return this.client.render(this.instanceId, { format });
    return (await this.client.render(this.instanceId, { format })).frame;
  }

  /** Counters and facts as the server reports them now. */
  async describe() {
    return this.client.describeEnv(this.instanceId);
  }

  /** Free the server-side environment; closing twice is harmless. */
  async close() {
    if (this.closed) return;
    await this.client.closeEnv(this.instanceId);
    this.closed = true;
  }
}

/**
 * Create a RemoteEnv, with a new GymClient unless `client` is given.
 * @param {string} envId
 * @param {{client?: GymClient, seed?: number, renderMode?: string, kwargs?: Record<string, unknown>,
 *   baseURL?: string, token?: string, timeoutMs?: number, maxRetries?: number, fetch?: typeof fetch}} [options]
 */
export async function makeEnv(envId, options = {}) {
  const { client, seed, renderMode, kwargs, ...clientOptions } = options;
  return RemoteEnv.create(client ?? new GymClient(clientOptions), envId, { seed, renderMode, kwargs });
}
