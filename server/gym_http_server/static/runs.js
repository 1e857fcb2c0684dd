// Uploaded runs (GET /v1/results/) and the reward plot of the chosen one.
// The chosen run is in the address (#run=<id>), so a run can be linked to.

import { describeError, getJson } from "./api.js";
import { rewardPlot } from "./plot.js";

const LIST_EVERY_MS = 5000;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function number(value) {
  return typeof value === "number" ? value.toFixed(2) : value ?? "–";
}

export function chosenRun() {
  return new URLSearchParams(location.hash.slice(1)).get("run");
}

export class RunsPanel {
  constructor(root) {
    this.rows = root.querySelector("tbody");
    this.empty = root.querySelector(".empty");
    this.error = root.querySelector(".error");
    this.plot = root.querySelector(".plot-area");
    this.title = root.querySelector(".plot-title");
    this.plotError = root.querySelector(".plot-error");
  }

  start() {
    const list = async () => {
      await this.refresh();
      setTimeout(list, LIST_EVERY_MS);
    };
    window.addEventListener("hashchange", () => this.showChosen());
    list();
    this.showChosen();
  }

  async refresh() {
    try {
      const { runs } = await getJson("/v1/results/?limit=100");
      this.rows.replaceChildren(...runs.map((run) => this.row(run)));
      this.empty.hidden = runs.length > 0;
      this.error.hidden = true;
    } catch (error) {
      this.error.textContent = `Could not list the uploaded runs: ${describeError(error)}`;
      this.error.hidden = false;
    }
  }

  row(run) {
    const row = document.createElement("tr");
    row.dataset.runId = run.run_id;
    if (run.run_id === chosenRun()) row.className = "chosen";
    const link = document.createElement("a");
    link.href = `#run=${encodeURIComponent(run.run_id)}`;
    link.textContent = run.run_id;
    const id = document.createElement("td");
    id.append(link);
    const when = new Date(run.uploaded_at * 1000).toLocaleString();
    row.append(id, cell(run.env_id), cell(run.algorithm_id ?? "–"), cell(run.episodes),
      cell(number(run.mean_reward)), cell(number(run.best_reward)), cell(when));
    return row;
  }

  async showChosen() {
    const runId = chosenRun();
    for (const row of this.rows.children) row.classList.toggle("chosen", row.dataset.runId === runId);
    this.plot.replaceChildren();
    this.plotError.hidden = true;
    if (!runId) {
      this.title.textContent = "Choose a run to plot its reward per episode.";
      return;
    }
    this.title.textContent = `Run ${runId}: loading…`;
    try {
      const run = await getJson(`/v1/results/${encodeURIComponent(runId)}`);
      this.title.textContent = `Run ${run.run_id}: ${run.env_id}, reward per episode (${run.episodes} episodes)`;
      this.plot.append(rewardPlot(run.episode_rewards));
    } catch (error) {
      this.title.textContent = `Run ${runId}`;
      this.plotError.textContent = `Could not load the run: ${describeError(error)}`;
      this.plotError.hidden = false;
    }
  }
}
