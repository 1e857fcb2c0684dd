// The dashboard: live instances with their frames, batches, and uploaded runs.

import { BatchesPanel } from "./batches.js";
import { InstancesPanel } from "./instances.js";
import { RunsPanel } from "./runs.js";

new InstancesPanel(document.querySelector("#instances")).start();
new BatchesPanel(document.querySelector("#batches")).start();
new RunsPanel(document.querySelector("#runs")).start();
