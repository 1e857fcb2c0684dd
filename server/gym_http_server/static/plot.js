// A reward-per-episode plot as SVG: one point per episode, joined by a line.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640, HEIGHT = 260, MARGIN = { left: 56, right: 16, top: 16, bottom: 36 };

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function rounded(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Rewards may hold "NaN"/"Infinity" strings (the API's non-finite floats); they are not drawn. */
export function rewardPlot(rewards) {
  const svg = element("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "plot", role: "img",
    "aria-label": `Reward per episode, ${rewards.length} episodes` });
  const finite = rewards.filter((r) => typeof r === "number");
  const low = Math.min(0, ...finite), high = Math.max(low + 1, ...finite);
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right, innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i) => MARGIN.left + (rewards.length === 1 ? innerWidth / 2 : (i * innerWidth) / (rewards.length - 1));
  const y = (r) => MARGIN.top + innerHeight - ((r - low) * innerHeight) / (high - low);

  const bottom = MARGIN.top + innerHeight;
  svg.append(
    element("line", { class: "axis", x1: MARGIN.left, y1: MARGIN.top, x2: MARGIN.left, y2: bottom }),
    element("line", { class: "axis", x1: MARGIN.left, y1: bottom, x2: WIDTH - MARGIN.right, y2: bottom }),
    element("text", { x: MARGIN.left - 6, y: MARGIN.top + 4, "text-anchor": "end" }, rounded(high)),
    element("text", { x: MARGIN.left - 6, y: bottom, "text-anchor": "end" }, rounded(low)),
    element("text", { x: x(0), y: bottom + 14, "text-anchor": "middle" }, "1"),
    element("text", { x: x(rewards.length - 1), y: bottom + 14, "text-anchor": "middle" }, String(rewards.length)),
    element("text", { x: MARGIN.left + innerWidth / 2, y: HEIGHT - 6, "text-anchor": "middle" }, "episode"),
    element("text", { x: 14, y: MARGIN.top + innerHeight / 2, "text-anchor": "middle",
      transform: `rotate(-90 14 ${MARGIN.top + innerHeight / 2})` }, "reward"),
  );
  const points = rewards.map((r, i) => (typeof r === "number" ? `${x(i)},${y(r)}` : null)).filter(Boolean);
  svg.append(element("polyline", { class: "line", points: points.join(" ") }));
  rewards.forEach((reward, i) => {
    if (typeof reward !== "number") return;
    const point = element("circle", { class: "episode", cx: x(i), cy: y(reward), r: 3.5 });
    point.append(element("title", {}, `episode ${i + 1}: reward ${rounded(reward)}`));
    svg.append(point);
  });
  return svg;
}
