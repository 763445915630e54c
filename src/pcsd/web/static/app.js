// The dashboard: renders the cluster snapshot pushed by pcsd (server-sent events from
// /ui/api/events) and runs actions (POST /ui/api/action, each one pcs command). Elements the
// tests locate carry data-test marks (listed in src/pcsd/web/marks.ts).

import { el, errorMessage, postJson } from "./common.js";

const $ = (id) => document.getElementById(id);
/** The node chosen in each resource's "move to" list, kept across re-renders. */
const moveChoice = new Map();
let snapshot = null;
let busy = false;
let source = null;

function toLogin() {
  location.assign("/login");
}

function setConnection(state, text) {
  const c = $("connection");
  c.dataset.state = state;
  c.textContent = text;
}

// ---- actions ---------------------------------------------------------------------------

function showResult(state, title, detail) {
  const r = $("action-result");
  r.dataset.state = state;
  r.replaceChildren(el("strong", {}, title));
  if (detail) r.append(el("pre", { "data-test": "action-output" }, detail));
}

async function act(action, target, node = null) {
  if (busy) return;
  busy = true;
  document.body.classList.add("busy");
  for (const b of document.querySelectorAll("button[data-action]")) b.disabled = true;
  const words = node ? `${action} ${target} → ${node}` : `${action} ${target}`;
  showResult("running", `Running: ${words}…`);
  try {
    const { status, body } = await postJson("/ui/api/action", { action, target, node });
    if (status === 401) return toLogin();
    if (status === 200) {
      const out = `${body.stdout}${body.stderr}`.trim();
      showResult("ok", `Done: ${body.command}`, out);
    } else showResult("error", "Failed", errorMessage(body, `HTTP ${status}`));
  } catch (e) {
    showResult("error", "Failed", `pcsd cannot be reached: ${e.message}`);
  } finally {
    busy = false;
    document.body.classList.remove("busy");
    if (snapshot) render(snapshot);
  }
}

function actionButton(label, mark, action, target, opts = {}) {
  const b = el(
    "button",
    {
      type: "button",
      class: opts.danger ? "danger" : undefined,
      "data-test": mark,
      "data-action": action,
      "data-key": `${action}:${target}`,
      "aria-label": `${label} ${target}`,
      disabled: busy,
    },
    label,
  );
  b.addEventListener("click", () => act(action, target, opts.node?.() ?? null));
  return b;
}

// ---- rendering -------------------------------------------------------------------------

const NODE_STATE_TEXT = {
  online: "Online",
  offline: "Offline",
  standby: "Standby",
  maintenance: "Maintenance",
  unclean: "UNCLEAN",
  pending: "Pending",
};

function badge(kind, text, mark) {
  return el("span", { class: `badge ${kind}`, "data-test": mark }, text);
}

function renderNodes(s) {
  const rows = s.nodes.map((n) => {
    const state = el("td", {}, badge(n.state, NODE_STATE_TEXT[n.state] ?? n.state, "node-state"));
    if (n.dc) state.append(" ", badge("dc", "DC", "node-dc"));
    const actions = el("td", { class: "actions" });
    if (n.standby) actions.append(actionButton("Unstandby", "node-unstandby", "unstandby", n.name));
    else actions.append(actionButton("Standby", "node-standby", "standby", n.name));
    if (n.maintenance)
      actions.append(actionButton("Unmaintenance", "node-unmaintenance", "unmaintenance", n.name));
    else actions.append(actionButton("Maintenance", "node-maintenance", "maintenance", n.name));
    return el(
      "tr",
      { "data-test": "node", "data-node": n.name, "data-state": n.state },
      el("th", { scope: "row" }, n.name),
      state,
      el("td", { "data-test": "node-resources" }, n.resources.join(", ") || "–"),
      actions,
    );
  });
  $("nodes").replaceChildren(...rows);
  if (rows.length === 0)
    $("nodes").append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No nodes")));
}

function roleBadge(r) {
  const kind = r.role === "FAILED" ? "failed" : r.role === "Stopped" ? "stopped" : "started";
  const b = badge(kind, r.role, "resource-role");
  const flags = [];
  if (r.disabled) flags.push("disabled");
  if (!r.managed) flags.push("unmanaged");
  return flags.length > 0 ? el("span", {}, b, el("span", { class: "muted" }, ` (${flags.join(", ")})`)) : b;
}

function moveControls(r, target, nodes) {
  const id = `move-${r.id}`;
  const choices = nodes.filter((n) => !r.runningOn.includes(n.name));
  const select = el("select", {
    id,
    "data-test": "resource-move-target",
    disabled: busy || choices.length === 0,
  });
  for (const n of choices) select.append(el("option", { value: n.name }, n.name));
  if (moveChoice.has(r.id) && choices.some((n) => n.name === moveChoice.get(r.id)))
    select.value = moveChoice.get(r.id);
  select.addEventListener("change", () => moveChoice.set(r.id, select.value));
  const move = actionButton("Move", "resource-move", "move", target, { node: () => select.value });
  if (choices.length === 0) move.disabled = true;
  return el(
    "span",
    { class: "move" },
    el("label", { for: id, class: "sr-only" }, `Move ${r.id} to node`),
    select,
    move,
  );
}

function renderResources(s) {
  const rows = s.resources.map((r) => {
    const configId = r.id.replace(/:\d+$/, "");
    const name = el("th", { scope: "row" }, r.id);
    if (r.parent) name.append(el("div", { class: "muted small" }, `${r.parentKind} ${r.parent}`));
    const failures = r.failures.map((f) => `${f.node}: ${f.count}${f.failed ? " (failed)" : ""}`).join(", ");
    // A group moves as a whole (its members follow it), so move/clear act on the group.
    const placed = r.parentKind === "group" ? r.parent : configId;
    const actions = el("td", { class: "actions" });
    if (r.disabled) actions.append(actionButton("Enable", "resource-enable", "enable", configId));
    else actions.append(actionButton("Disable", "resource-disable", "disable", configId));
    const clear = actionButton("Clear", "resource-clear", "clear", placed);
    // Clear removes what move/ban left: nothing to clear, nothing to click.
    if (
      !s.constraints.some(
        (c) => c.cli && (c.id === `cli-prefer-${placed}` || c.id.startsWith(`cli-ban-${placed}-on-`)),
      )
    )
      clear.disabled = true;
    actions.append(
      moveControls(r, placed, s.nodes),
      clear,
      actionButton("Cleanup", "resource-cleanup", "cleanup", configId),
    );
    return el(
      "tr",
      { "data-test": "resource", "data-resource": r.id, "data-role": r.role },
      name,
      el("td", { class: "mono" }, r.agent),
      el("td", {}, roleBadge(r)),
      el("td", { "data-test": "resource-nodes" }, r.runningOn.join(", ") || "–"),
      el("td", { "data-test": "resource-failures", class: failures ? "warn" : undefined }, failures || "–"),
      actions,
    );
  });
  $("resources").replaceChildren(...rows);
  if (rows.length === 0)
    $("resources").append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No resources configured")));
}

function renderConstraints(s) {
  const rows = s.constraints.map((c) =>
    el(
      "tr",
      { "data-test": "constraint", "data-constraint": c.id },
      el("td", {}, c.type),
      el("td", { class: "mono" }, c.text, c.cli ? el("span", { class: "muted" }, " (from move/ban)") : null),
      el("td", { class: "mono muted" }, c.id),
    ),
  );
  $("constraints").replaceChildren(...rows);
  if (rows.length === 0)
    $("constraints").append(el("tr", {}, el("td", { colspan: 3, class: "muted" }, "None")));
}

function renderProperties(s) {
  const rows = s.properties.map((p) =>
    el(
      "tr",
      { "data-test": "property", "data-property": p.name },
      el("th", { scope: "row", class: "mono" }, p.name),
      el("td", { class: "mono" }, p.value),
    ),
  );
  $("properties").replaceChildren(...rows);
  if (rows.length === 0)
    $("properties").append(el("tr", {}, el("td", { colspan: 2, class: "muted" }, "None set")));
}

function render(s) {
  snapshot = s;
  // Re-rendering replaces the buttons: give focus back to the one that had it.
  const focused = document.activeElement?.dataset?.key ?? document.activeElement?.id;
  $("cluster-name").textContent = s.clusterName || "(no name)";
  document.title = `${s.clusterName || "tandem cluster"} · ${s.node}`;
  const msg = $("cluster-message");
  msg.hidden = s.message === null;
  msg.textContent = s.message ?? "";
  $("dc").textContent = s.dc ?? "NONE";
  $("quorum").textContent = s.running
    ? s.quorate
      ? "partition with quorum"
      : "partition WITHOUT quorum"
    : "–";
  $("quorum").className = s.running && !s.quorate ? "warn" : "";
  const online = s.nodes.filter((n) => n.online).length;
  $("node-count").textContent = `${s.nodes.length} configured, ${online} online`;
  const started = s.resources.filter((r) => r.runningOn.length > 0).length;
  $("resource-count").textContent = `${s.resources.length} configured, ${started} active`;
  const t = new Date(s.updated);
  $("updated").dateTime = t.toISOString();
  $("updated").textContent = t.toLocaleTimeString();
  renderNodes(s);
  renderResources(s);
  renderConstraints(s);
  renderProperties(s);
  $("main").setAttribute("aria-busy", "false");
  if (focused) {
    const again =
      document.querySelector(`[data-key="${CSS.escape(focused)}"]`) ?? document.getElementById(focused);
    again?.focus();
  }
}

// ---- live feed -------------------------------------------------------------------------

async function sessionGone() {
  try {
    return (await fetch("/ui/api/status", { credentials: "same-origin" })).status === 401;
  } catch {
    return false;
  }
}

function connect() {
  source?.close();
  source = new EventSource("/ui/api/events");
  source.addEventListener("open", () => setConnection("live", "live"));
  source.addEventListener("snapshot", (ev) => {
    setConnection("live", "live");
    render(JSON.parse(ev.data));
  });
  source.addEventListener("logout", () => toLogin());
  source.addEventListener("error", async () => {
    setConnection("down", "reconnecting…");
    if (source.readyState === EventSource.CLOSED) {
      if (await sessionGone()) return toLogin();
      setTimeout(connect, 3000);
    }
  });
}

$("logout").addEventListener("click", async () => {
  source?.close();
  try {
    await postJson("/ui/api/logout", {});
  } finally {
    toLogin();
  }
});

connect();
