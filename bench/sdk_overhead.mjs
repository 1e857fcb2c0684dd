// The Node half of bench/sdk_overhead.py: a raw node:http keep-alive step
// loop and the SDK's RemoteEnv.step, interleaved in rounds against the same
// server. Usage: node sdk_overhead.mjs BASE_URL ROUNDS CALLS; prints
// {name: [median steps/s, median client CPU seconds per step]} as JSON.
import http from "node:http";
import { makeEnv } from "../sdk/node/src/index.js";

const [baseURL, rounds = "5", calls = "1000"] = process.argv.slice(2);

/** The floor for any Node client: one keep-alive agent, JSON in, JSON out. */
function rawLoop() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(baseURL);
  const post = (path, body) => new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const request = http.request({
      agent, host: url.hostname, port: url.port, path, method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "content-length": Buffer.byteLength(text) },
    }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve(text === "" ? undefined : JSON.parse(text));
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(text);
  });
  let id;
  return {
    async open() {
      id = (await post("/v1/envs/", { env_id: "CartPole-v1" })).instance_id;
      await post(`/v1/envs/${id}/reset/`, { seed: 0 });
    },
    async step(i) {
      if ((await post(`/v1/envs/${id}/step/`, { action: i % 2 })).done) await post(`/v1/envs/${id}/reset/`, {});
    },
    async close() {
      await post(`/v1/envs/${id}/close/`, {});
      agent.destroy();
    },
  };
}

function sdkLoop() {
  let env;
  return {
    async open() {
      env = await makeEnv("CartPole-v1", { baseURL });
      await env.reset({ seed: 0 });
    },
    async step(i) {
      const { terminated, truncated } = await env.step(i % 2);
      if (terminated || truncated) await env.reset();
    },
    async close() {
      await env.close();
      env.client.close();
    },
  };
}

async function measure(loop, n) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await loop.step(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return [n / seconds, (used.user + used.system) / 1e6 / n];
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const loops = { "raw node:http": rawLoop(), "RemoteEnv.step": sdkLoop() };
const rates = Object.fromEntries(Object.keys(loops).map((name) => [name, []]));
for (const loop of Object.values(loops)) await loop.open();
for (const loop of Object.values(loops)) await measure(loop, 50);
for (let round = 0; round < Number(rounds); round += 1) {
  for (const [name, loop] of Object.entries(loops)) rates[name].push(await measure(loop, Number(calls)));
}
for (const loop of Object.values(loops)) await loop.close();
const summary = Object.entries(rates).map(([name, runs]) => [name, [median(runs.map((r) => r[0])), median(runs.map((r) => r[1]))]]);
console.log(JSON.stringify(Object.fromEntries(summary)));
