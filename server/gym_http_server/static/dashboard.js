// The dashboard: live instances with their frames, and uploaded runs.

import { InstancesPanel } from "./instances.js";
import { RunsPanel } from "./runs.js";

new InstancesPanel(document.querySelector("#instances")).start();
new RunsPanel(document.querySelector("#runs")).start();
