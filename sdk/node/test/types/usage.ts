// A typed program using the package by its name; `tsc --noEmit` must accept
// it, and every @ts-expect-error line must really be an error.
import {
  GymClient, makeEnv, RemoteEnv, InvalidActionError, UnknownInstanceError, GymHTTPError, APITimeoutError,
  retryDelay, decodeValue, boxBounds,
  type SpaceDescription, type StepResult, type EnvDescription, type RawResponse,
} from "gym-http-client";

async function randomAgent(baseURL: string): Promise<number> {
  const env: RemoteEnv<number[], number> = await makeEnv<number[], number>("CartPole-v1", { baseURL, seed: 1 });
  try {
    const { observation } = await env.reset({ seed: 42 });
    const first: number = observation[0];
    let total = first * 0;
    for (;;) {
      const action: number = await env.sampleAction();
      const result: StepResult<number[]> = await env.step(action);
      total += result.reward;
      if (result.terminated || result.truncated) break;
    }
    // @ts-expect-error RemoteEnv's step result is Gymnasium's: no `done`.
    const done: boolean = (await env.step(0)).done;
    return total + Number(done);
  } finally {
    await env.close();
  }
}

async function lowLevel(client: GymClient): Promise<void> {
  const id: string = await client.createEnv({ envId: "CartPole-v1", seed: 18446744073709551615n, kwargs: {} });
  const description: EnvDescription = await client.describeEnv(id);
  const space: SpaceDescription = description.observation_space;
  if (space.name === "Box") {
    const shape: number[] = space.shape;
    const { low } = boxBounds(space);
    void shape;
    void low;
  }
  const wire = await client.step(id, new Float32Array([1]), { render: false }, { timeoutMs: 1000 });
  const done: boolean = wire.done;
  const decoded = decodeValue(space, wire.observation);
  const all: Record<string, string> = await client.listEnvs({ signal: AbortSignal.timeout(500) });
  const raw: RawResponse = await client.request("POST", `/v1/envs/${id}/reset/`, { body: { seed: 1 } });
  const status: number = raw.status;
  void [done, decoded, all, status];
  // @ts-expect-error createEnv needs an envId.
  await client.createEnv({ seed: 1 });
  // @ts-expect-error containsAction resolves to a boolean.
  const member: string = await client.containsAction(id, 1);
  void member;
  await client.closeEnv(id);
  client.close();
}

function handle(error: unknown): string {
  if (error instanceof UnknownInstanceError) return `gone: ${error.code}`;
  if (error instanceof InvalidActionError) return `bad action, status ${error.status}`;
  if (error instanceof APITimeoutError) return `slow: ${String(error.cause)}`;
  if (error instanceof GymHTTPError) return `${error.name}: ${error.message}`;
  throw error;
}

const wait: number | null = retryDelay({ retriesSoFar: 0, maxRetries: 2, idempotent: true, status: 503 });
const client = new GymClient({ baseURL: "http://127.0.0.1:5000", token: "t", timeoutMs: 5000, maxRetries: 1, fetch });
void [randomAgent, lowLevel, handle, wait, client];
