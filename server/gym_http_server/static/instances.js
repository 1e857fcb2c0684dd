// Live instances: a table refreshed every second, and the latest frame of
// each rgb_array instance, fetched as PNG a few times a second.

import { describeError, getFrame, getJson } from "./api.js";

const LIST_EVERY_MS = 1000;
const FRAME_PAUSE_MS = 200;
const MAX_SHOWN = 50;

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function describeAll(ids) {
  const settled = await Promise.allSettled(ids.map((id) => getJson(`/v1/envs/${encodeURIComponent(id)}/`)));
  // An instance closed between the list and its description is simply gone.
  const failed = settled.find((s) => s.status === "rejected" && s.reason.code !== "unknown_instance");
  if (failed) throw failed.reason;
  return settled.filter((s) => s.status === "fulfilled").map((s) => s.value);
}

export class InstancesPanel {
  constructor(root) {
    this.rows = root.querySelector("tbody");
    this.empty = root.querySelector(".empty");
    this.error = root.querySelector(".error");
    this.note = root.querySelector(".note");
    this.frames = root.querySelector(".frames");
    this.cards = new Map(); // instance id -> frame card
  }

  start() {
    const list = async () => {
      await this.refresh();
      setTimeout(list, LIST_EVERY_MS);
    };
    const frames = async () => {
      if (document.visibilityState === "visible") await this.refreshFrames();
      setTimeout(frames, FRAME_PAUSE_MS);
    };
    list();
    frames();
  }

  async refresh() {
    try {
      const ids = Object.keys((await getJson("/v1/envs/")).all_envs).sort();
      const instances = await describeAll(ids.slice(0, MAX_SHOWN));
      this.showTable(instances);
      this.note.textContent = ids.length > MAX_SHOWN ? `Showing ${MAX_SHOWN} of ${ids.length} instances.` : "";
      this.showCards(instances.filter((i) => i.render_mode === "rgb_array"));
      this.error.hidden = true;
    } catch (error) {
      this.error.textContent = `Could not list the instances: ${describeError(error)}`;
      this.error.hidden = false;
    }
  }

  showTable(instances) {
    this.rows.replaceChildren(...instances.map((i) => {
      const row = document.createElement("tr");
      row.dataset.instanceId = i.instance_id;
      row.append(cell(i.instance_id), cell(i.env_id), cell(i.episodes), cell(i.total_steps),
        cell(i.episode_steps), cell(i.render_mode ?? "none"), cell(i.recording ? "yes" : "no"));
      return row;
    }));
    this.empty.hidden = instances.length > 0;
  }

  showCards(instances) {
    const live = new Set(instances.map((i) => i.instance_id));
    for (const [id, card] of this.cards) {
      if (!live.has(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    for (const i of instances) {
      if (!this.cards.has(i.instance_id)) this.cards.set(i.instance_id, this.newCard(i));
    }
  }

  newCard(instance) {
    const card = document.createElement("figure");
    card.className = "frame";
    card.dataset.instanceId = instance.instance_id;
    const image = document.createElement("img");
    image.alt = `Latest frame of ${instance.env_id} (${instance.instance_id})`;
    const caption = document.createElement("figcaption");
    caption.textContent = `${instance.env_id} · ${instance.instance_id}`;
    const problem = document.createElement("p");
    problem.className = "error";
    problem.hidden = true;
    card.append(image, caption, problem);
    this.frames.append(card);
    return card;
  }

  async refreshFrames() {
    for (const [id, card] of this.cards) {
      const image = card.querySelector("img"), problem = card.querySelector(".error");
      try {
        const url = URL.createObjectURL(await getFrame(id));
        const previous = image.src;
        image.src = url;
        if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
        image.hidden = false;
        problem.hidden = true;
      } catch (error) {
        problem.textContent = describeError(error);
        problem.hidden = false;
        image.hidden = !image.src;
      }
    }
  }
}
