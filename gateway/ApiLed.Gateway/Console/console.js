// ApiLed operator console: plain JavaScript, no build step. Every figure and action goes through the gateway's
// operator endpoints under /api/v1 with the operator's API key (X-Api-Key), kept in this browser's localStorage.
"use strict";

/** Every call waits at most this long for the gateway's answer, then says so. */
const callTimeoutMs = 15000;
const state = { key: localStorage.getItem("apiled.key") || "", name: localStorage.getItem("apiled.operator") || "", cursor: null, query: null, traceViewer: "" };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const $ = (id) => document.getElementById(id);
const time = (value) => {
  if (!value) return "";
  const d = new Date(value);
  return `${d.toLocaleString()}.${String(d.getMilliseconds()).padStart(3, "0")}`;
};
const money = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency}`;

function say(text) { $("message").textContent = text || ""; }

/** fetch, bounded: a call the gateway does not answer in time is given up, and the operator is told so. */
async function send(path, init) {
  try {
    return await fetch(path, Object.assign({ signal: AbortSignal.timeout(callTimeoutMs) }, init));
  } catch (error) {
    say(error.name === "TimeoutError" ? `The gateway did not answer within ${callTimeoutMs / 1000} s; try again.` : `The gateway could not be reached: ${error.message}`);
    throw error;
  }
}

/** A text answer, with the process API instance that gave it (X-ApiLed-Instance; "" when not said). */
async function apiText(path) {
  if (!state.key) { say("Paste the operator API key first."); throw new Error("no key"); }
  const response = await send(path, { headers: { "X-Api-Key": state.key, Accept: "text/plain" } });
  if (!response.ok) { say(`${response.status} ${response.statusText}`); throw new Error(response.statusText); }
  return { text: await response.text(), instance: response.headers.get("X-ApiLed-Instance") || "" };
}

async function api(method, path, body) {
  if (!state.key) { say("Paste the operator API key first."); throw new Error("no key"); }
  const response = await send(path, {
    method,
    headers: Object.assign({ "X-Api-Key": state.key, Accept: "application/json" }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = data && (data.detail || data.title) ? `${data.title || ""}${data.detail ? ": " + data.detail : ""}` : response.statusText;
    const errors = data && data.errors ? " " + Object.entries(data.errors).map(([f, m]) => `${f}: ${m.join(" ")}`).join("; ") : "";
    say(`${response.status} ${detail}${errors}`);
    throw new Error(detail);
  }
  say("");
  return data;
}

/** Who acts and why: the name saved above, and a reason asked for each action. */
function who(action) {
  if (!state.name) { say("Enter your name (it is recorded with every action) and save."); return null; }
  const reason = prompt(`Why ${action}? (recorded with your name)`);
  if (!reason || !reason.trim()) { say("An action needs a reason."); return null; }
  return { by: state.name, reason: reason.trim() };
}

// --- identity and tabs ---------------------------------------------------------------------------------------------
function showIdentity() {
  $("api-key").value = state.key;
  $("operator-name").value = state.name;
  $("identity-status").textContent = state.key ? "key saved" : "no key yet";
}

$("identity").addEventListener("submit", (e) => {
  e.preventDefault();
  state.key = $("api-key").value.trim();
  state.name = $("operator-name").value.trim();
  localStorage.setItem("apiled.key", state.key);
  localStorage.setItem("apiled.operator", state.name);
  showIdentity();
});
$("forget-identity").addEventListener("click", () => {
  localStorage.removeItem("apiled.key");
  state.key = "";
  showIdentity();
});

let liveTimer = null;
function showTab(name) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === "tab-" + name));
  clearInterval(liveTimer);
  if (name === "parked") loadParked().catch(() => {});
  if (name === "dead-letters") loadDeadLetters().catch(() => {});
  if (name === "approvals") loadApprovals().catch(() => {});
  if (name === "live") {
    state.sample = null;
    const refresh = () => { loadRates().catch(() => {}); loadLive().catch(() => {}); };
    refresh();
    liveTimer = setInterval(refresh, 5000);
  }
}
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

// --- search --------------------------------------------------------------------------------------------------------
function searchQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("search-form"))) {
    if (!value) continue;
    params.set(name, name === "from" || name === "to" ? new Date(value).toISOString() : value);
  }
  return params;
}

async function search(more) {
  if (!more) { state.query = searchQuery(); state.cursor = null; $("search-results").tBodies[0].replaceChildren(); }
  const params = new URLSearchParams(state.query);
  params.set("limit", "25");
  if (state.cursor) params.set("cursor", state.cursor);
  const page = await api("GET", "/api/v1/sagas/search?" + params);
  for (const saga of page.items) {
    $("search-results").tBodies[0].append(el("tr", { className: "clickable", "data-order": saga.orderId, onclick: () => openTimeline(saga.orderId) },
      el("td", {}, saga.orderId), el("td", { className: "status-" + saga.status }, saga.status), el("td", {}, saga.mode), el("td", {}, saga.flow),
      el("td", {}, saga.partnerId), el("td", {}, saga.customerId), el("td", {}, saga.failedStep || ""), el("td", {}, time(saga.createdAt))));
  }
  if (page.items.length === 0 && !more) $("search-results").tBodies[0].append(el("tr", {}, el("td", { colspan: 8 }, "No saga matches.")));
  state.cursor = page.nextCursor;
  $("search-more").hidden = !page.nextCursor;
}
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(false).catch(() => {}); });
$("search-more").addEventListener("click", () => search(true).catch(() => {}));

// --- actions on one saga -------------------------------------------------------------------------------------------
const actions = [
  { name: "redrive", label: "Redrive from the failed step", path: (id) => `/api/v1/sagas/${id}/redrive` },
  { name: "retry-compensation", label: "Retry the compensation", path: (id) => `/api/v1/sagas/${id}/retry-compensation` },
  { name: "cancel", label: "Cancel and compensate", path: (id) => `/api/v1/sagas/${id}/cancel` },
];

async function act(action, orderId, after) {
  const body = who(action.label.toLowerCase());
  if (!body) return;
  await api("POST", action.path(orderId), body);
  if (after) await after().catch(() => {});
  say(`${action.label}: taken for ${orderId}.`);
}

function parkedBox(saga, after) {
  return el("div", { className: "parked", "data-parked": saga.orderId },
    el("div", {}, el("strong", {}, saga.orderId), ` — ${saga.flow} (${saga.mode}), failed at ${saga.failedStep || "?"}: ${saga.failureReason || ""}`),
    el("div", { className: "next" }, "Next: " + (saga.nextAction || "")),
    el("div", {}, actions.map((a) => el("button", { type: "button", "data-action": a.name, onclick: () => act(a, saga.orderId, after).catch(() => {}) }, a.label)),
      el("button", { type: "button", onclick: () => openTimeline(saga.orderId) }, "Timeline")));
}

// --- timeline ------------------------------------------------------------------------------------------------------
async function openTimeline(orderId) {
  const t = await api("GET", `/api/v1/sagas/${encodeURIComponent(orderId)}/timeline`);
  $("timeline").hidden = false;
  $("timeline-order").textContent = t.orderId;
  const trace = t.traceId
    ? (state.traceViewer ? el("a", { href: state.traceViewer.replace("{traceId}", t.traceId), target: "_blank", rel: "noopener", id: "timeline-trace" }, t.traceId)
      : el("code", { id: "timeline-trace" }, t.traceId))
    : "none recorded";
  $("timeline-summary").replaceChildren(`${t.flow} in ${t.mode}, `, el("span", { id: "timeline-status", className: "status-" + t.status }, t.status),
    `; correlation ${t.correlationId || "none"}; trace `, trace);
  $("timeline-parked").replaceChildren(t.status === "needs-attention"
    ? parkedBox({ orderId: t.orderId, flow: t.flow, mode: t.mode, failedStep: t.failedStep, failureReason: t.failureReason, nextAction: t.nextAction },
      () => openTimeline(orderId))
    : "");
  $("timeline-steps").tBodies[0].replaceChildren(...t.steps.map((s) => el("tr", { "data-step": s.name },
    el("td", {}, s.name), el("td", {}, s.operation || ""), el("td", {}, s.compensation || ""), el("td", { className: "step-status" }, s.status),
    el("td", {}, s.attempts), el("td", {}, s.error || ""))));
  $("timeline-entries").replaceChildren(...t.entries.map((e) => el("li", { "data-kind": e.kind, "data-what": e.what, "data-step": e.step || "" },
    el("span", { className: "kind kind-" + e.kind }, e.kind), ` ${time(e.at)} `, el("strong", {}, e.what), e.step ? ` ${e.step}` : "",
    e.durationMs != null ? ` (${Math.round(e.durationMs)} ms)` : "", e.detail ? ` — ${e.detail}` : "")));
  $("timeline").scrollIntoView();
}
$("timeline-close").addEventListener("click", () => { $("timeline").hidden = true; });

// --- parked --------------------------------------------------------------------------------------------------------
async function loadParked() {
  const page = await api("GET", "/api/v1/sagas/search?status=needs-attention&limit=100");
  $("parked-list").replaceChildren(...(page.items.length ? page.items.map((s) => parkedBox(s, loadParked)) : [el("p", {}, "Nothing is parked.")]));
}
$("parked-refresh").addEventListener("click", () => loadParked().catch(() => {}));

// --- dead letters --------------------------------------------------------------------------------------------------
async function loadDeadLetters() {
  const queues = await api("GET", "/api/v1/dead-letters");
  $("dead-letter-queues").tBodies[0].replaceChildren(...queues.map((q) => el("tr", { "data-queue": q.queue },
    el("td", {}, q.queue), el("td", { className: "count" }, q.messages == null ? "?" : q.messages),
    el("td", {}, el("button", { type: "button", onclick: () => browse(q.queue).catch(() => {}) }, "Browse")))));
}

async function browse(queue) {
  const messages = await api("GET", `/api/v1/dead-letters/${encodeURIComponent(queue)}?limit=100`);
  const take = async (verb) => {
    const ids = [...document.querySelectorAll("#dead-letter-messages input[type=checkbox]:checked")].map((c) => c.value);
    if (ids.length === 0) { say("Tick the messages first."); return; }
    const body = who(`${verb} ${ids.length} message(s)`);
    if (!body) return;
    const result = await api("POST", `/api/v1/dead-letters/${encodeURIComponent(queue)}/${verb}`, Object.assign({ messageIds: ids }, body));
    await loadDeadLetters();
    await browse(queue);
    say(`${result.done.length} ${result.action}${result.notFound.length ? `; not found: ${result.notFound.join(", ")}` : ""}.`);
  };
  $("dead-letter-messages").replaceChildren(
    el("h3", {}, `Dead letters of ${queue}`),
    el("button", { type: "button", id: "dead-letters-replay", onclick: () => take("replay").catch(() => {}) }, "Replay selected"),
    el("button", { type: "button", id: "dead-letters-discard", onclick: () => take("discard").catch(() => {}) }, "Discard selected"),
    el("table", { className: "results" },
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "Message"), el("th", {}, "Type"), el("th", {}, "Why it died"), el("th", {}, "When"), el("th", {}, "Body"))),
      el("tbody", {}, messages.map((m) => el("tr", { "data-message": m.messageId },
        el("td", {}, el("input", { type: "checkbox", value: m.messageId })), el("td", {}, m.messageId), el("td", {}, m.type || ""),
        el("td", {}, m.reason || ""), el("td", {}, time(m.diedAt)), el("td", {}, el("pre", {}, m.body)))))));
}
$("dead-letters-refresh").addEventListener("click", () => loadDeadLetters().catch(() => {}));

// --- approvals -----------------------------------------------------------------------------------------------------
async function loadApprovals() {
  const pending = await api("GET", "/api/v1/approvals");
  const decide = async (orderId, verb) => {
    const body = who(verb);
    if (!body) return;
    await api("POST", `/api/v1/approvals/${orderId}/${verb}`, body);
    await loadApprovals();
    say(`${orderId}: ${verb}d.`);
  };
  $("approvals").tBodies[0].replaceChildren(...(pending.length ? pending.map((a) => el("tr", { "data-approval": a.orderId },
    el("td", {}, a.orderId), el("td", {}, a.step), el("td", {}, a.group + (a.escalated ? " (escalated)" : "")), el("td", {}, money(a.totalCents, a.currency)),
    el("td", {}, time(a.deadline)),
    el("td", {}, el("button", { type: "button", "data-decision": "approve", onclick: () => decide(a.orderId, "approve").catch(() => {}) }, "Approve"),
      el("button", { type: "button", "data-decision": "reject", onclick: () => decide(a.orderId, "reject").catch(() => {}) }, "Reject"))))
    : [el("tr", {}, el("td", { colspan: 6 }, "Nothing waits for a decision."))]));
}
$("approvals-refresh").addEventListener("click", () => loadApprovals().catch(() => {}));

// --- bulk ----------------------------------------------------------------------------------------------------------
$("bulk-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData($("bulk-form"));
  const filter = {};
  for (const name of ["status", "flow", "mode", "partner", "failedStep"]) if (form.get(name)) filter[name] = form.get(name);
  if (!state.name) { say("Enter your name (it is recorded with every action) and save."); return; }
  try {
    const started = await api("POST", "/api/v1/bulk-actions", { action: form.get("action"), filter, by: state.name, reason: form.get("reason"), perSecond: Number(form.get("perSecond")) });
    await followBulk(started.id);
  } catch { /* said */ }
});

async function followBulk(id) {
  const view = await api("GET", `/api/v1/bulk-actions/${id}`);
  $("bulk-progress").replaceChildren(
    el("p", { id: "bulk-status", "data-status": view.status }, `${view.action}: ${view.processed} of ${view.total} taken, ${view.succeeded} done, ${view.failed.length} failed (${view.status})`),
    el("ul", { id: "bulk-failed" }, view.failed.map((f) => el("li", { "data-order": f.orderId }, `${f.orderId}: ${f.error}`))));
  if (view.status === "running") setTimeout(() => followBulk(id).catch(() => {}), 1000);
}

// --- live ----------------------------------------------------------------------------------------------------------
/** The process API's saga counters from its metrics, summed by mode: started, and finished by status. */
function sagaCounters(text) {
  const totals = {};
  for (const line of text.split("\n")) {
    const m = /^apiled_sagas_(started|finished)_total\{([^}]*)\} ([0-9.eE+]+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const what = m[1] === "started" ? "started" : labels.status;
    totals[labels.mode] = totals[labels.mode] || {};
    totals[labels.mode][what] = (totals[labels.mode][what] || 0) + Number(m[3]);
  }
  return totals;
}

/**
 * Each process API instance counts its own sagas, and each sample reaches one of them (the gateway balances): the
 * console keeps every instance's latest counters and rate, and shows their sums. An instance not heard from for a
 * minute (stopped) is forgotten and leaves the sums.
 */
async function loadRates() {
  const answer = await apiText("/api/v1/stats/metrics");
  const now = { at: Date.now(), totals: sagaCounters(answer.text) };
  const columns = ["started", "completed", "failed", "cancelled", "needs-attention"];
  state.instances = state.instances || {};
  const before = state.instances[answer.instance];
  const rates = {};
  if (before && now.at > before.sample.at) {
    for (const mode of Object.keys(now.totals)) {
      rates[mode] = Object.fromEntries(columns.map((c) =>
        [c, (((now.totals[mode][c] || 0) - ((before.sample.totals[mode] || {})[c] || 0)) * 60000) / (now.at - before.sample.at)]));
    }
  }
  state.instances[answer.instance] = { sample: now, rates: before ? rates : null };
  for (const [id, i] of Object.entries(state.instances)) {
    if (now.at - i.sample.at >= 60000) delete state.instances[id]; // stopped: each restart is a new instance, so forget it
  }
  const heard = Object.values(state.instances);
  const modes = [...new Set(heard.flatMap((i) => Object.keys(i.sample.totals)))].sort();
  const known = heard.every((i) => i.rates);
  $("live-now").tBodies[0].replaceChildren(...modes.map((mode) => el("tr", { "data-mode": mode },
    el("td", {}, mode),
    columns.map((c) => {
      const total = heard.reduce((sum, i) => sum + ((i.sample.totals[mode] || {})[c] || 0), 0);
      const rate = known ? heard.reduce((sum, i) => sum + ((i.rates[mode] || {})[c] || 0), 0) : null;
      return el("td", { "data-count": c, "data-total": total }, `${total}${rate == null ? "" : ` (${rate.toFixed(1)}/min)`}`);
    }))));
}

async function loadLive() {
  const minutes = await api("GET", "/api/v1/stats/minutes?minutes=30");
  $("live-table").tBodies[0].replaceChildren(...minutes.slice().reverse().map((m) => el("tr", { "data-minute": m.minute, "data-mode": m.mode },
    el("td", {}, new Date(m.minute).toLocaleString()), el("td", {}, m.mode), el("td", {}, m.started), el("td", { className: "completed" }, m.completed),
    el("td", { className: "failed" }, m.failed), el("td", {}, m.cancelled), el("td", {}, m.parked))));
  const modes = [...new Set(minutes.map((m) => m.mode))];
  const peak = Math.max(1, ...minutes.map((m) => m.completed + m.failed));
  $("live-chart").replaceChildren(...modes.map((mode) => el("div", { "data-chart-mode": mode }, el("strong", {}, mode + " "),
    minutes.filter((m) => m.mode === mode).map((m) => el("span", { title: `${time(m.minute)}: ${m.completed} completed, ${m.failed} failed` },
      el("span", { className: "bar bar-completed", style: `width:6px;height:${Math.round(40 * m.completed / peak) + 1}px` }),
      el("span", { className: "bar bar-failed", style: `width:6px;height:${Math.round(40 * m.failed / peak)}px` }))))));
}

// --- start ---------------------------------------------------------------------------------------------------------
fetch("/console/config.json", { signal: AbortSignal.timeout(callTimeoutMs) }).then((r) => r.json()).then((c) => { state.traceViewer = c.traceViewerUrl || ""; }).catch(() => {});
showIdentity();
