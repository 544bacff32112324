// The item page: why the application is here, the failing checks with their figures, fraud signals with the
// other application, each document beside its fields; and the reviewer's actions, each with a note.

import { h, clear, toast } from "./dom.js";
import { t, reasonTexts, duration, clock, money, stateLabel, fieldLabel, slotLabel, errorText } from "./i18n.js";
import { documentCard } from "./documents.js";
import { ask } from "./dialogs.js";

const SLOT_ORDER = ["id_card_front", "id_card_back", "income_certificate", "bank_statement"];
const HIDDEN_DOC_STATES = new Set(["SUPERSEDED"]);

export class ItemPage {
  constructor(ctx, applicationId) {
    this.ctx = ctx; // {api, me, canReview, root, done(message), rerender()}
    this.id = applicationId;
    this.view = null;
    this.details = [];
    this.checks = null;
    this.checksError = null;
    this.revealed = false;
    this.fields = []; // [{doc, name}] in page order
    this.selected = -1;
  }

  async load(reveal = false) {
    const { api } = this.ctx;
    this.view = await api.application(this.id, reveal);
    const documents = (this.view.documents || [])
      .filter((doc) => !HIDDEN_DOC_STATES.has(doc.state))
      .sort((a, b) => SLOT_ORDER.indexOf(a.slot) - SLOT_ORDER.indexOf(b.slot));
    this.details = await Promise.all(documents.map((doc) =>
      api.document(this.id, doc.document_id, reveal).catch(() => doc)));
    if (this.checks === null && !this.checksError) {
      try {
        this.checks = (await api.checks(this.id)).checks || [];
      } catch (error) {
        this.checksError = error;
      }
    }
    this.revealed = reveal;
    const previous = this.fields[this.selected];
    this.fields = this.details.flatMap((detail) =>
      Object.keys(detail.fields || {}).map((name) => ({ doc: detail.document_id, name })));
    this.selected = previous
      ? this.fields.findIndex((f) => f.doc === previous.doc && f.name === previous.name)
      : -1;
  }

  // ---------------------------------------------------------------- state of the claim
  get review() { return this.view?.review || null; }

  leaseLive() {
    const review = this.review;
    if (!review?.claimed_by) return false;
    return !review.lease_until || Date.parse(review.lease_until) > Date.now();
  }

  claimedByMe() { return this.leaseLive() && this.review.claimed_by === this.ctx.me; }

  inReview() { return this.view?.state === "IN_REVIEW"; }

  // ---------------------------------------------------------------- drawing
  render() {
    const root = clear(this.ctx.root);
    const view = this.view;
    const selectedKey = this.selected >= 0 ? `${this.fields[this.selected].doc}/${this.fields[this.selected].name}` : null;
    root.append(
      h("nav", { class: "crumbs" }, h("a", { href: "#/queue", id: "back" }, `← ${t("back")} (Esc)`)),
      h("section", { class: "summary", id: "summary", dataset: { state: view.state } }, this.summary()),
      this.ctx.canReview ? this.actions() : null,
      this.reasonsAndChecks(),
      h("section", { class: "documents" }, h("h2", {}, t("documents")),
        this.details.map((detail) => documentCard(detail, selectedKey, this.checkBoxes(detail.document_id)))));
    this.highlight(false);
  }

  summary() {
    const view = this.view;
    const loan = view.loan || {};
    const review = this.review;
    const claim = !this.inReview() ? null
      : this.claimedByMe() ? h("p", { class: "claim mine", id: "claim-state" }, t("claimedByMe", { time: clock(review.lease_until) }))
      : this.leaseLive() ? h("p", { class: "claim other", id: "claim-state" }, t("claimedByOther", { user: review.claimed_by, time: clock(review.lease_until) }))
      : h("p", { class: "claim free", id: "claim-state" }, t("notClaimed"));
    const queuedAt = Date.parse(review?.queued_at || "");
    return [
      h("h2", {}, view.applicant?.name || "—", " ", h("small", { class: "app-id" }, view.application_id)),
      h("dl", { class: "facts" },
        h("dt", {}, t("state")), h("dd", { id: "app-state" }, stateLabel(view.state)),
        h("dt", {}, t("idNumber")), h("dd", { id: "applicant-id", class: this.revealed ? "revealed" : "masked" },
          view.applicant?.id_number || "—", this.revealed ? h("small", {}, t("revealed")) : null),
        h("dt", {}, t("loan")), h("dd", { id: "loan" }, money(loan.amount), " · ", t("term", { months: loan.term_months ?? "—" })),
        h("dt", {}, t("vehiclePrice")), h("dd", {}, money(loan.vehicle_price), loan.vehicle_type ? ` (${loan.vehicle_type})` : ""),
        h("dt", {}, t("officer")), h("dd", { id: "officer" }, view.officer_id || "—"),
        Number.isNaN(queuedAt) ? null : [h("dt", {}, t("colWait")), h("dd", {}, duration((Date.now() - queuedAt) / 1000))]),
      claim,
      review?.first_approved_by ? h("p", { class: "badge four-eyes", id: "first-approval" }, t("firstApproval", { user: review.first_approved_by })) : null,
    ];
  }

  actions() {
    const mine = this.claimedByMe();
    const inReview = this.inReview();
    const firstByMe = this.review?.first_approved_by === this.ctx.me;
    const button = (id, key, label, enabled, handler) => h("button", {
      type: "button", id, class: "action", disabled: !enabled, onclick: handler, "aria-keyshortcuts": key,
    }, label, " ", h("kbd", {}, key));
    return h("section", { class: "actions", id: "actions" },
      button("do-claim", "c", t("claim"), inReview && !mine, () => this.claim()),
      button("do-edit", "e", t("edit"), mine, () => this.edit()),
      button("do-retake", "r", t("retake"), mine, () => this.retake()),
      button("do-approve", "a", t("approve"), mine && !firstByMe, () => this.approve()),
      button("do-decline", "d", t("decline"), mine, () => this.decline()),
      button("do-revalidate", "x", t("revalidate"), mine, () => this.revalidate()),
      button("do-release", "u", t("release"), mine, () => this.release()),
      button("do-reveal", "v", t("reveal"), !this.revealed, () => this.reveal()));
  }

  reasonsAndChecks() {
    const reasons = this.review?.reasons || this.view.decision?.reasons || this.view.flags || [];
    const list = (items) => h("ul", { class: "reasons" }, items.map((reason) => {
      const [first, second] = reasonTexts(reason);
      return h("li", { dataset: { code: reason.code } }, first, second ? h("small", {}, second) : null);
    }));
    const section = h("section", { class: "why", id: "why" }, h("h2", {}, t("reasons")), reasons.length ? list(reasons) : "—");
    if (this.checksError) {
      section.append(h("p", { class: "warn", id: "checks-unavailable" }, t("checksUnavailable", { message: errorText(this.checksError) })));
      return section;
    }
    const fraud = this.checks.filter((check) => check.related_application);
    const other = this.checks.filter((check) => !check.related_application);
    section.append(h("h3", {}, t("checks")), other.length ? this.checkTable(other, "checks") : h("p", { class: "empty" }, t("noChecks")));
    if (fraud.length) section.append(h("h3", { class: "fraud" }, t("fraud")), this.checkTable(fraud, "fraud"));
    return section;
  }

  /** Places a failing check points at on a document (the statement row that does not add up). */
  checkBoxes(documentId) {
    return (this.checks || []).filter((check) => check.document_id === documentId && Array.isArray(check.box))
      .map((check) => ({ box: check.box, code: check.code, label: reasonTexts(check)[0] }));
  }

  checkTable(checks, id) {
    return h("ul", { class: "checks", id }, checks.map((check) => {
      const [first, second] = reasonTexts(check);
      const figures = Object.entries(check.figures || {});
      return h("li", { class: `check ${check.severity || ""}`, dataset: { code: check.code } },
        h("strong", {}, first), second ? h("small", {}, second) : null,
        check.detail ? h("p", { class: "detail" }, check.detail) : null,
        figures.length ? h("dl", { class: "figures" }, figures.map(([label, value]) =>
          [h("dt", {}, label), h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))])) : null,
        check.related_application ? h("a", { class: "related", href: `#/item/${encodeURIComponent(check.related_application)}` },
          t("otherApplication", { id: check.related_application })) : null,
        check.document_id ? h("a", { class: "doc-link", href: `#doc-${check.document_id}`, onclick: (event) => {
          event.preventDefault();
          document.getElementById(`doc-${check.document_id}`)?.scrollIntoView({ block: "start" });
        } }, slotLabel(this.details.find((d) => d.document_id === check.document_id)?.slot || "")) : null);
    }));
  }

  // ---------------------------------------------------------------- fields selection (j/k)
  move(delta) {
    if (!this.fields.length) return;
    this.selected = this.selected < 0 ? (delta > 0 ? 0 : this.fields.length - 1)
      : (this.selected + delta + this.fields.length) % this.fields.length;
    this.highlight(true);
  }

  highlight(scroll) {
    const root = this.ctx.root;
    root.querySelectorAll(".field.selected, .box.active").forEach((node) => node.classList.remove("selected", "active"));
    const field = this.fields[this.selected];
    if (!field) return;
    const card = root.querySelector(`section.document[data-doc="${CSS.escape(field.doc)}"]`);
    const row = card?.querySelector(`tr.field[data-field="${CSS.escape(field.name)}"]`);
    row?.classList.add("selected");
    card?.querySelector(`.box.field-box[data-field="${CSS.escape(field.name)}"]`)?.classList.add("active");
    if (scroll) row?.scrollIntoView({ block: "center" });
  }

  // ---------------------------------------------------------------- actions
  guard() {
    if (!this.ctx.canReview) return false;
    if (!this.claimedByMe()) {
      toast(t("needsClaim"), "error");
      return false;
    }
    return true;
  }

  /** Runs one API call; a refusal is shown, and a conflict (someone else acted) reloads the page. */
  async run(work) {
    try {
      return await work();
    } catch (error) {
      toast(t("error", { message: errorText(error) }), "error");
      if (error.status === 409) await this.reload().catch(() => {});
      return null;
    }
  }

  async reload() {
    await this.load(false);
    this.render();
  }

  async claim() {
    if (!this.ctx.canReview || !this.inReview() || this.claimedByMe()) return;
    const view = await this.run(() => this.ctx.api.claim(this.id));
    if (!view) return;
    toast(t("done_claim"));
    await this.reload();
  }

  async release() {
    if (!this.guard()) return;
    const answer = await this.run(() => this.ctx.api.release(this.id));
    if (answer === null) return;
    toast(t("done_release"));
    await this.reload();
  }

  async reveal() {
    if (this.revealed) return;
    try {
      await this.load(true);
      this.render();
    } catch (error) {
      toast(t("error", { message: errorText(error) }), "error");
    }
  }

  async edit() {
    if (!this.guard()) return;
    const field = this.fields[this.selected];
    if (!field) {
      toast(t("selectField"), "error");
      return;
    }
    const detail = this.details.find((d) => d.document_id === field.doc);
    const current = detail?.fields?.[field.name]?.value ?? "";
    const masked = !this.revealed && /\*/.test(current);
    const input = h("input", { name: "value", id: "edit-value", maxlength: 200, autocomplete: "off", value: masked ? "" : current });
    const label = `${slotLabel(detail.slot)} · ${fieldLabel(field.name)}`;
    const answer = await ask({
      title: t("editTitle", { field: label }),
      inputs: [h("label", { for: "edit-value" }, t("newValue")), input, masked ? h("p", { class: "hint" }, t("maskedHint")) : null],
      validate: () => (input.value.trim() ? null : t("newValue")),
      collect: (_, note) => ({ value: input.value.trim(), note }),
    });
    if (!answer) return;
    const view = await this.run(() => this.ctx.api.correct(this.id, field.doc, { [field.name]: answer.value }, answer.note));
    if (!view) return;
    toast(t("done_edit", { field: fieldLabel(field.name) }));
    await this.reload();
  }

  async approve() {
    if (!this.guard()) return;
    const answer = await ask({ title: t("approveTitle"), noteRequired: true });
    if (!answer) return;
    const view = await this.run(() => this.ctx.api.decide(this.id, { action: "approve", note: answer.note }));
    if (!view) return;
    const firstOnly = view.state === "IN_REVIEW" && view.review?.first_approved_by;
    this.ctx.done(t(firstOnly ? "done_first_approval" : "done_approve"));
  }

  async decline() {
    if (!this.guard()) return;
    const reasons = this.view.decision?.reasons || [];
    const boxes = reasons.map((reason) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "reason", value: reason.code, checked: true }), " ", reasonTexts(reason)[0]));
    const answer = await ask({
      title: t("declineTitle"),
      inputs: boxes.length ? [h("fieldset", {}, h("legend", {}, t("declineReasons")), boxes)] : [],
      noteRequired: true,
      collect: (form, note) => ({ note, reasons: [...form.querySelectorAll("input[name=reason]:checked")].map((i) => i.value) }),
    });
    if (!answer) return;
    const view = await this.run(() => this.ctx.api.decide(this.id, { action: "decline", note: answer.note, reasons: answer.reasons }));
    if (view) this.ctx.done(t("done_decline"));
  }

  async retake() {
    if (!this.guard()) return;
    const chosen = this.fields[this.selected]?.doc;
    const boxes = this.details.map((detail) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "document", value: detail.document_id, checked: detail.document_id === chosen }),
      " ", slotLabel(detail.slot), " ", h("small", {}, detail.document_id.slice(-8))));
    const message = h("textarea", { name: "message", id: "retake-message", rows: 3, maxlength: 500 });
    const answer = await ask({
      title: t("retakeTitle"),
      inputs: [h("fieldset", {}, h("legend", {}, t("retakeDocuments")), boxes),
        h("label", { for: "retake-message" }, t("retakeMessage")), message],
      validate: (form) => (form.querySelector("input[name=document]:checked") ? null : t("retakeNeedsDocument")),
      collect: (form, note) => ({
        note, message: message.value.trim(),
        documents: [...form.querySelectorAll("input[name=document]:checked")].map((i) => i.value),
      }),
    });
    if (!answer) return;
    const body = { action: "request_retake", note: answer.note, documents: answer.documents };
    if (answer.message) body.message = answer.message;
    const view = await this.run(() => this.ctx.api.decide(this.id, body));
    if (view) this.ctx.done(t("done_request_retake"));
  }

  async revalidate() {
    if (!this.guard()) return;
    const answer = await ask({ title: t("revalidateTitle") });
    if (!answer) return;
    const view = await this.run(() => this.ctx.api.decide(this.id, { action: "revalidate", note: answer.note }));
    if (view) this.ctx.done(t("done_revalidate"));
  }
}
