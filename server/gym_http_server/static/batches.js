// Live batches (/v1/vector_envs/) and the sub-environments they hold, beside
// the instances, refreshed every second from /v1/vector_envs/ and /healthz.

import { describeError, getJson } from "./api.js";

const LIST_EVERY_MS = 1000;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

export class BatchesPanel {
  constructor(root) {
    this.rows = root.querySelector("tbody");
    this.empty = root.querySelector(".empty");
    this.error = root.querySelector(".error");
    this.summary = root.querySelector(".summary");
  }

  start() {
    const list = async () => {
      await this.refresh();
      setTimeout(list, LIST_EVERY_MS);
    };
    list();
  }

  async refresh() {
    try {
      const [batches, health] = await Promise.all([getJson("/v1/vector_envs/"), getJson("/healthz")]);
      const entries = Object.entries(batches.all_vector_envs).sort(([a], [b]) => a.localeCompare(b));
      this.rows.replaceChildren(...entries.map(([id, batch]) => {
        const row = document.createElement("tr");
        row.dataset.vectorId = id;
        row.append(cell(id), cell(batch.env_id), cell(batch.num_envs));
        return row;
      }));
      this.empty.hidden = entries.length > 0;
      this.summary.textContent = `${health.envs} instances and ${health.vector_envs} batches: `
        + `${health.sub_envs} of ${health.max_envs} environments in use.`;
      this.error.hidden = true;
    } catch (error) {
      this.error.textContent = `Could not list the batches: ${describeError(error)}`;
      this.error.hidden = false;
    }
  }
}
