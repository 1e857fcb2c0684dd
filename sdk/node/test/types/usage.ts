// A typed program using the package by its name; `tsc --noEmit` must accept
// it, and every @ts-expect-error line must really be an error.
import {
  GymClient, makeEnv, RemoteEnv, InvalidActionError, UnknownInstanceError, GymHTTPError, APITimeoutError,
  retryDelay, decodeValue, boxBounds,
  type SpaceDescription, type StepResult, type EnvDescription, type RawResponse,
  type RenderResult, type UploadResult, type ResultSummary, type ResultDetail, type WireFloat, type NumericArray,
  decodeMsgpack, MsgpackDecodeError,
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
  const received: Uint8Array = raw.bytes;
  const png: Uint8Array = await client.render(id, { format: "png" });
  const frame: RenderResult = await client.render(id);
  await client.monitorStart(id, { directory: "runs/cartpole", force: true, videoCallable: 10 });
  await client.monitorClose(id);
  const upload: UploadResult = await client.upload({ trainingDir: "runs/cartpole", apiKey: "k" });
  const runs: ResultSummary[] = await client.results({ envId: "CartPole-v1", limit: 5 });
  const run: ResultDetail = await client.result(upload.run_id);
  const rewards: WireFloat[] = run.episode_rewards;
  void [done, decoded, all, status, received, png, frame, runs, rewards];
  // @ts-expect-error a PNG is bytes, not a RenderResult.
  const notFrame: RenderResult = await client.render(id, { format: "png" });
  void notFrame;
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

async function batches(client: GymClient): Promise<number> {
  const id: string = await client.createVectorEnv({ envId: "CartPole-v1", numEnvs: 3, vectorizationMode: "sync" });
  const { observations } = await client.resetVectorEnv(id, { seed: 1 });
  const step = await client.stepVectorEnv(id, [0, 1, 0]);
  const ended: boolean = step.terminations[0] || step.truncations[0];
  // @ts-expect-error the vectorization mode is one of three names.
  await client.createVectorEnv({ envId: "CartPole-v1", numEnvs: 2, vectorizationMode: "threads" });
  await client.closeVectorEnv(id);
  return Number(ended) + (observations === null ? 0 : 1);
}
async function typedArrays(baseURL: string): Promise<number> {
  const env = await makeEnv<NumericArray, number>("CartPole-v1", { baseURL, encoding: "msgpack", arrays: "typed" });
  const { observation } = await env.reset();
  const png: Uint8Array = await env.render({ format: "png" });
  await env.close();
  // @ts-expect-error encoding is msgpack or json.
  void new GymClient({ encoding: "xml" });
  try {
    decodeMsgpack(new Uint8Array([0xc1]));
  } catch (error) {
    if (error instanceof MsgpackDecodeError) return png.length;
  }
  return observation.shape.length;
}
void typedArrays;
