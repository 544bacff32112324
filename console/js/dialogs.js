// The one modal dialog every action uses: a title, its inputs, a note; Ctrl+Enter (or Enter in a one-line
// input) confirms, Esc cancels. Resolves with what `collect` reads from the form, or null when cancelled.

import { h, clear } from "./dom.js";
import { t } from "./i18n.js";

export function ask({ title, inputs = [], note = true, noteRequired = false, validate = () => null, collect }) {
  const dialog = document.getElementById("action");
  clear(dialog);
  const problem = h("p", { class: "problem", role: "alert" });
  const noteBox = note ? h("textarea", { name: "note", id: "action-note", rows: 3, maxlength: 1000 }) : null;
  const form = h("form", { method: "dialog", id: "action-form" },
    h("h2", {}, title),
    inputs,
    noteBox ? h("label", { for: "action-note" }, t("note")) : null,
    noteBox,
    problem,
    h("menu", {},
      h("button", { type: "submit", value: "ok", class: "primary", id: "action-confirm" }, `${t("confirm")} (Ctrl+Enter)`),
      h("button", { type: "button", value: "cancel", id: "action-cancel", onclick: () => dialog.close("cancel") },
        `${t("cancel")} (Esc)`)));
  dialog.append(form);

  return new Promise((resolve) => {
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      dialog.removeEventListener("keydown", onKey);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const attempt = () => {
      const text = noteBox ? noteBox.value.trim() : "";
      const error = (noteRequired && text.length < 3 ? t("noteRequired") : null) || validate(form);
      if (error) {
        problem.textContent = error;
        return;
      }
      finish(collect ? collect(form, text) : { note: text });
    };
    const onKey = (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        attempt();
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt();
    });
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener("close", () => finish(null), { once: true });
    dialog.showModal();
    const first = form.querySelector("input:not([type=checkbox]), textarea") || form.querySelector("input");
    first?.focus();
  });
}
