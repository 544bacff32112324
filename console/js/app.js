// The console's shell: configuration, sign-in, the two pages (#/queue, #/item/ID) and the keyboard.

import { h, clear, toast, typing } from "./dom.js";
import { t, lang, setLang, errorText } from "./i18n.js";
import * as auth from "./auth.js";
import { Api } from "./api.js";
import { queueStats, renderQueue, renderStats } from "./queue.js";
import { ItemPage } from "./item.js";

const BACK_OFFICE = ["reviewer", "admin"];
const QUEUE_REFRESH_MS = 20_000;

const app = {
  config: null,
  session: null,
  api: null,
  page: null, // "queue" | "item"
  queue: { data: null, ids: [], selectedId: null, timer: null }, // the selection follows the item, not the row
  item: null,
};

const $ = (id) => document.getElementById(id);

async function boot() {
  setLang(lang());
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    app.config = await response.json();
  } catch {
    clear($("view")).append(h("p", { class: "warn" }, t("err_network")));
    return;
  }
  if (app.config.sign_in === "hosted") {
    try {
      await auth.completeHostedSignIn(app.config);
    } catch (error) {
      toast(t("signInFailed", { message: error.message }), "error");
    }
  }
  app.session = auth.currentSession();
  wireChrome();
  if (!app.session) {
    showSignIn();
    return;
  }
  start();
}

function start() {
  app.api = new Api(app.config.api_url, () => auth.accessToken(app.config), expired);
  drawChrome();
  window.addEventListener("hashchange", route);
  document.addEventListener("keydown", onKey);
  route();
}

function expired() {
  if (!auth.currentSession()) return;
  auth.forget();
  toast(t("sessionExpired"), "error");
  setTimeout(() => location.reload(), 1500);
}

const canReview = () => (app.session?.groups || []).some((group) => BACK_OFFICE.includes(group));

// ---------------------------------------------------------------- header, footer, help
function wireChrome() {
  $("lang").addEventListener("click", toggleLanguage);
  $("help-button").addEventListener("click", () => $("help").showModal());
  $("sign-out").addEventListener("click", () => auth.signOut(app.config));
  drawChrome();
}

function drawChrome() {
  document.title = t("title");
  $("title").textContent = t("title");
  $("lang").textContent = t("language");
  $("sign-out").textContent = t("signOut");
  $("sign-out").hidden = !app.session;
  $("who").textContent = app.session ? `${app.session.user} · ${app.session.groups.join(", ") || "—"}` : "";
  $("hints").textContent = !app.session ? "" : app.page === "item" ? t("hintItem") : t("hintQueue");
  drawHelp();
}

function drawHelp() {
  const row = (keys, key) => h("tr", {}, h("td", {}, keys.map((k) => h("kbd", {}, k))), h("td", {}, t(key)));
  clear($("help")).append(
    h("h2", {}, t("help")),
    h("table", { class: "keys" },
      h("tbody", {},
        h("tr", {}, h("th", { colspan: 2 }, t("keysQueue"))),
        row(["j", "k"], "key_jk"), row(["Enter"], "key_enter"), row(["c"], "key_c"),
        h("tr", {}, h("th", { colspan: 2 }, t("keysItem"))),
        row(["j", "k"], "key_jk"), row(["c"], "key_c"), row(["e"], "key_e"), row(["r"], "key_r"),
        row(["a"], "key_a"), row(["d"], "key_d"), row(["x"], "key_x"), row(["u"], "key_u"), row(["v"], "key_v"),
        row(["Esc"], "key_esc"), row(["Ctrl", "Enter"], "key_ctrl_enter"),
        h("tr", {}, h("th", { colspan: 2 }, t("keysAnywhere"))),
        row(["?"], "key_help"), row(["t"], "key_t"))),
    h("form", { method: "dialog" }, h("button", { id: "help-close" }, t("helpClose"))));
}

function toggleLanguage() {
  setLang(lang() === "zh" ? "en" : "zh");
  drawChrome();
  if (!app.session) showSignIn();
  else redraw();
}

function redraw() {
  if (app.page === "item" && app.item?.view) app.item.render();
  else if (app.page === "queue" && app.queue.data) drawQueue();
}

// ---------------------------------------------------------------- sign-in
function showSignIn(problem = "") {
  const view = clear($("view"));
  renderStats($("stats"), null);
  if (app.config.sign_in === "hosted") {
    view.append(h("section", { class: "sign-in" }, h("h2", {}, t("signInTitle")),
      h("button", { class: "primary", id: "hosted-sign-in", onclick: () => auth.beginHostedSignIn(app.config) }, t("signInHosted")),
      problem ? h("p", { class: "problem", role: "alert" }, problem) : null));
    return;
  }
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "problem", role: "alert", id: "sign-in-problem" }, problem);
  const submit = h("button", { type: "submit", class: "primary", id: "sign-in" }, t("signIn"));
  const form = h("form", { class: "sign-in", id: "sign-in-form" },
    h("h2", {}, t("signInTitle")),
    h("label", { for: "username" }, t("username")), user,
    h("label", { for: "password" }, t("password")), password,
    submit, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = t("signingIn");
    try {
      app.session = await auth.signInWithPassword(app.config, user.value.trim(), password.value);
      start();
    } catch (error) {
      message.textContent = error.code === "NEW_PASSWORD_REQUIRED" ? t("passwordChangeNeeded")
        : t("signInFailed", { message: error.code === "network" ? t("err_network") : error.message });
      submit.disabled = false;
    }
  });
  view.append(form);
  user.focus();
}

// ---------------------------------------------------------------- pages
function route() {
  const match = /^#\/item\/(.+)$/.exec(location.hash);
  clearInterval(app.queue.timer);
  if (!canReview() && !match) {
    app.page = "denied";
    drawChrome();
    clear($("view")).append(h("p", { class: "warn", id: "not-staff" },
      t("notStaff", { user: app.session.user, roles: app.session.groups.join(", ") || "—" })));
    return;
  }
  if (match) openItem(decodeURIComponent(match[1]));
  else openQueue();
}

async function openQueue() {
  app.page = "queue";
  app.item = null;
  drawChrome();
  await loadQueue();
  app.queue.timer = setInterval(() => { if (!document.querySelector("dialog[open]")) loadQueue(); }, QUEUE_REFRESH_MS);
}

async function loadQueue() {
  try {
    app.queue.data = await app.api.queue();
  } catch (error) {
    if (app.page !== "queue") return;
    clear($("view")).append(h("p", { class: "warn", id: "queue-error" }, t("error", { message: errorText(error) })));
    return;
  }
  if (app.page === "queue") drawQueue();
}

function drawQueue() {
  const data = app.queue.data;
  const ids = (data.items || []).map((item) => item.application_id);
  const selected = Math.max(0, ids.indexOf(app.queue.selectedId));
  app.queue.selectedId = ids[selected] ?? null;
  renderStats($("stats"), queueStats(data));
  app.queue.ids = renderQueue($("view"), data, {
    me: app.session.user,
    selected,
    onSelect: (index) => { app.queue.selectedId = ids[index]; drawQueue(); },
    onOpen: (id) => { location.hash = `#/item/${encodeURIComponent(id)}`; },
  });
}

async function openItem(id) {
  app.page = "item";
  drawChrome();
  const page = new ItemPage({
    api: app.api,
    me: app.session.user,
    canReview: canReview(),
    root: $("view"),
    done: (message) => { toast(message); location.hash = "#/queue"; },
  }, id);
  app.item = page;
  try {
    await page.load();
  } catch (error) {
    if (app.item !== page) return;
    clear($("view")).append(h("nav", { class: "crumbs" }, h("a", { href: "#/queue", id: "back" }, `← ${t("back")}`)),
      h("p", { class: "warn", id: "item-error" }, t("error", { message: errorText(error) })));
    return;
  }
  if (app.item === page) page.render();
}

// ---------------------------------------------------------------- keyboard
const ITEM_KEYS = {
  c: "claim", e: "edit", r: "retake", a: "approve", d: "decline", x: "revalidate", u: "release", v: "reveal",
};

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (document.querySelector("dialog[open]")) return;
  const key = event.key;
  if (key === "?") {
    event.preventDefault();
    $("help").showModal();
    return;
  }
  if (key === "t") {
    event.preventDefault();
    toggleLanguage();
    return;
  }
  if (app.page === "queue") queueKey(event, key);
  else if (app.page === "item") itemKey(event, key);
}

function queueKey(event, key) {
  const ids = app.queue.ids;
  if (!ids.length) return;
  const index = Math.max(0, ids.indexOf(app.queue.selectedId));
  if (key === "j" || key === "k") {
    event.preventDefault();
    app.queue.selectedId = ids[Math.max(0, Math.min(ids.length - 1, index + (key === "j" ? 1 : -1)))];
    drawQueue();
  } else if (key === "Enter") {
    event.preventDefault();
    location.hash = `#/item/${encodeURIComponent(ids[index])}`;
  } else if (key === "c") {
    event.preventDefault();
    const id = ids[index];
    app.api.claim(id)
      .then(() => { toast(t("done_claim")); location.hash = `#/item/${encodeURIComponent(id)}`; })
      .catch((error) => { toast(t("error", { message: errorText(error) }), "error"); loadQueue(); });
  }
}

function itemKey(event, key) {
  const page = app.item;
  if (key === "Escape") {
    event.preventDefault();
    location.hash = "#/queue";
    return;
  }
  if (!page?.view) return;
  if (key === "j" || key === "k") {
    event.preventDefault();
    page.move(key === "j" ? 1 : -1);
    return;
  }
  const action = ITEM_KEYS[key];
  if (!action) return;
  event.preventDefault(); // the key must not type itself into the dialog it opens
  if (!canReview()) {
    toast(t("err_forbidden"), "error");
    return;
  }
  page[action]();
}

boot();
