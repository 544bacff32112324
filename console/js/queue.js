// The review queue: the items in the order the API gives them (its priority order, highest first), with why
// each is there, the amount, the officer, the wait, the SLA state and who holds its lease.

import { h, clear } from "./dom.js";
import { t, reasonTexts, duration, clock, money } from "./i18n.js";

/** Seconds an item has waited: the API's figure, or from when it was queued (or last changed). */
export function waitedSeconds(item, now = Date.now()) {
  if (Number.isFinite(item.waited_seconds)) return item.waited_seconds;
  const since = Date.parse(item.queued_at || item.updated_at || item.created_at || "");
  return Number.isNaN(since) ? null : Math.max(0, (now - since) / 1000);
}

/** The header's figures: the server's stats when it sends them, else what the items on the page show. */
export function queueStats(data, now = Date.now()) {
  const items = data.items || [];
  if (data.stats) {
    return {
      depth: data.stats.depth, oldest: data.stats.oldest_seconds, breaches: data.stats.sla_breaches, derived: false,
    };
  }
  const waits = items.map((item) => waitedSeconds(item, now)).filter((w) => w !== null);
  const known = items.some((item) => typeof item.overdue === "boolean");
  return {
    depth: items.length,
    more: Boolean(data.cursor),
    oldest: waits.length ? Math.max(...waits) : null,
    breaches: known ? items.filter((item) => item.overdue).length : null,
    derived: true,
  };
}

export function renderStats(root, stats) {
  clear(root);
  if (!stats) return;
  const depth = stats.depth === null || stats.depth === undefined ? "—" : `${stats.depth}${stats.more ? "+" : ""}`;
  root.append(
    h("span", { class: "stat", id: "stat-depth" }, t("depth"), " ", h("b", {}, depth)),
    h("span", { class: "stat", id: "stat-oldest" }, t("oldest"), " ",
      h("b", {}, stats.oldest === null || stats.oldest === undefined ? "—" : duration(stats.oldest))),
    h("span", { class: `stat${stats.breaches ? " alarm" : ""}`, id: "stat-breaches" }, t("breaches"), " ",
      h("b", {}, stats.breaches === null || stats.breaches === undefined ? "—" : stats.breaches)),
  );
}

function slaCell(item, waited) {
  if (item.overdue === true) return h("span", { class: "badge overdue" }, t("overdue"));
  if (Number.isFinite(item.sla_seconds) && waited !== null) {
    const left = item.sla_seconds - waited;
    if (left <= 0) return h("span", { class: "badge overdue" }, t("overdue"));
    const share = waited / item.sla_seconds;
    return h("span", { class: `badge ${share > 0.75 ? "soon" : "ok"}` }, t("slaLeft", { time: duration(left) }));
  }
  return "—";
}

function leaseCell(item, me, now) {
  const parts = [];
  const live = item.claimed_by && (!item.lease_until || Date.parse(item.lease_until) > now);
  if (live) {
    const time = clock(item.lease_until);
    parts.push(h("span", { class: `lease${item.claimed_by === me ? " mine" : ""}` },
      item.claimed_by === me ? t("leaseMine", { time }) : t("leaseBy", { user: item.claimed_by, time })));
  } else {
    parts.push(h("span", { class: "lease free" }, t("free")));
  }
  if (item.first_approved_by) {
    parts.push(h("div", { class: "badge four-eyes" }, t("secondNeeded", { user: item.first_approved_by })));
  }
  return parts;
}

function reasonsCell(item) {
  const reasons = item.reasons || [];
  if (!reasons.length) return "—";
  return h("ul", { class: "reasons" }, reasons.map((reason) => {
    const [first, second] = reasonTexts(reason);
    return h("li", { dataset: { code: reason.code } }, first, second ? h("small", {}, second) : null);
  }));
}

/** Draws the table; returns the application ids in the order shown. */
export function renderQueue(root, data, { me, selected, onOpen, onSelect, now = Date.now() }) {
  clear(root);
  const items = data.items || [];
  root.append(h("h2", {}, t("queue")));
  if (!items.length) {
    root.append(h("p", { class: "empty", id: "queue-empty" }, t("queueEmpty")));
    return [];
  }
  const rows = items.map((item, index) => {
    const waited = waitedSeconds(item, now);
    return h("tr", {
      class: `item${index === selected ? " selected" : ""}${item.overdue ? " is-overdue" : ""}`,
      dataset: { id: item.application_id, priority: item.priority ?? "" },
      "aria-selected": index === selected ? "true" : "false",
      onclick: () => onSelect(index),
      ondblclick: () => onOpen(item.application_id),
    },
    h("td", { class: "rank" }, index + 1),
    h("td", { class: "app" },
      h("a", { href: `#/item/${encodeURIComponent(item.application_id)}` }, item.application_id.slice(-10)),
      item.term_months ? h("small", {}, t("term", { months: item.term_months })) : null),
    h("td", { class: "why" }, reasonsCell(item)),
    h("td", { class: "num amount" }, money(item.amount)),
    h("td", { class: "officer" }, item.officer_id || "—"),
    h("td", { class: "wait" }, waited === null ? "—" : duration(waited)),
    h("td", { class: "sla" }, slaCell(item, waited)),
    h("td", { class: "claim" }, leaseCell(item, me, now)));
  });
  root.append(h("table", { id: "queue", class: "grid" },
    h("thead", {}, h("tr", {}, ["colRank", "colApplication", "colReasons", "colAmount", "colOfficer", "colWait",
      "colSla", "colLease"].map((key) => h("th", {}, t(key))))),
    h("tbody", {}, rows)));
  rows[selected]?.scrollIntoView({ block: "nearest" });
  return items.map((item) => item.application_id);
}
