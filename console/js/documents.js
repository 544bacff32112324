// One document on the item page: its picture with a box around each field the OCR read (coloured by
// confidence), beside the fields themselves; bank statements also list their rows.
//
// Boxes are normalised to the first page's image (0..1, origin top-left), so a box is placed in percent of
// the picture's frame, which is exactly as large as the picture: no pixel arithmetic, any zoom.
// The boxes are normalised to the first page AS READ (`page_image_url`: a photo rectified and turned, a PDF's
// first page rendered), so they are drawn on that image whenever the API gives it; the upload itself
// (`image_url`) is the fallback for photos. PDFs: pdf.js is not available offline, so without a page image a
// PDF is embedded as it is (the browser's own viewer, no boxes).

import { h } from "./dom.js";
import { t, fieldLabel, slotLabel, stateLabel, money } from "./i18n.js";

export const HIGH = 0.9;
export const MID = 0.8; // the policy's confidence threshold for decisive fields

export function confidenceClass(field) {
  if (field.corrected) return "corrected";
  const value = Number(field.confidence);
  if (!Number.isFinite(value)) return "low";
  return value >= HIGH ? "high" : value >= MID ? "mid" : "low";
}

function validBox(box) {
  return Array.isArray(box) && box.length === 4 && box.every((v) => Number.isFinite(v)) &&
    box[2] > box[0] && box[3] > box[1];
}

function placed(box) {
  const pct = (v) => `${(Math.min(1, Math.max(0, v)) * 100).toFixed(3)}%`;
  return { left: pct(box[0]), top: pct(box[1]), width: pct(box[2] - box[0]), height: pct(box[3] - box[1]) };
}

/** The overlay boxes of a document's fields, statement rows and failing checks (only those the API placed). */
export function boxesOf(detail, checkBoxes = []) {
  const boxes = [];
  for (const [name, field] of Object.entries(detail.fields || {})) {
    if (validBox(field.box)) {
      boxes.push(h("div", {
        class: `box field-box ${confidenceClass(field)}`,
        dataset: { field: name, confidence: field.confidence },
        style: placed(field.box),
        title: `${fieldLabel(name)} · ${Number(field.confidence).toFixed(2)}`,
      }));
    }
  }
  (detail.transactions || []).forEach((row, index) => {
    if (validBox(row.box)) {
      boxes.push(h("div", { class: "box row-box", dataset: { row: index }, style: placed(row.box) }));
    }
  });
  for (const check of checkBoxes) {
    if (validBox(check.box)) {
      boxes.push(h("div", { class: "box check-box", dataset: { code: check.code }, style: placed(check.box), title: check.label }));
    }
  }
  return boxes;
}

function isPdf(detail) {
  return String(detail.content_type || "").includes("pdf");
}

function picture(detail, checkBoxes) {
  const pageImage = detail.page_image_url || (!isPdf(detail) ? detail.image_url : null);
  if (pageImage) {
    const boxes = boxesOf(detail, checkBoxes);
    const failed = h("p", { class: "warn hidden" }, t("imageFailed"));
    const image = h("img", {
      src: pageImage, alt: slotLabel(detail.slot), class: "page", draggable: "false",
      onerror: () => failed.classList.remove("hidden"),
    });
    const hasFields = Object.keys(detail.fields || {}).length > 0;
    return h("figure", { class: "picture" },
      h("div", { class: "frame", dataset: { boxes: boxes.length } }, image, boxes),
      failed,
      h("figcaption", {}, boxes.length ? t("legend") : hasFields ? t("boxesNone") : null));
  }
  if (detail.image_url) {
    return h("figure", { class: "picture pdf" },
      h("embed", { src: `${detail.image_url}#page=1&view=FitH`, type: "application/pdf", class: "pdf" }),
      h("figcaption", {}, t("pdfEmbedded")));
  }
  return h("figure", { class: "picture" }, h("p", { class: "warn" }, t("imageFailed")));
}

function fieldRows(detail, selectedKey) {
  const entries = Object.entries(detail.fields || {});
  if (!entries.length) return h("p", { class: "empty" }, t("noFields"));
  return h("table", { class: "grid fields" },
    h("thead", {}, h("tr", {}, h("th", {}, t("field")), h("th", {}, t("value")), h("th", {}, t("confidence")))),
    h("tbody", {}, entries.map(([name, field]) => {
      const key = `${detail.document_id}/${name}`;
      const confidence = Number(field.confidence);
      return h("tr", {
        class: `field ${confidenceClass(field)}${key === selectedKey ? " selected" : ""}`,
        dataset: { doc: detail.document_id, field: name },
      },
      h("th", {}, fieldLabel(name), h("small", {}, name)),
      h("td", { class: "value" }, field.value ?? "—", field.corrected ? h("span", { class: "badge corrected" }, t("corrected")) : null),
      h("td", { class: "confidence" },
        h("meter", { min: 0, max: 1, low: MID, high: HIGH, optimum: 1, value: Number.isFinite(confidence) ? confidence : 0 }),
        Number.isFinite(confidence) ? confidence.toFixed(2) : "—"));
    })));
}

function statementRows(detail) {
  const rows = detail.transactions || [];
  if (!rows.length) return null;
  return h("details", { class: "rows" },
    h("summary", {}, `${t("transactions")} (${rows.length})`),
    h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, ["date", "description", "amount", "balance"].map((key) => h("th", {}, t(key))))),
      h("tbody", {}, rows.map((row, index) => h("tr", { dataset: { row: index } },
        h("td", {}, row.date), h("td", {}, row.description), h("td", { class: "num" }, money(row.amount)),
        h("td", { class: "num" }, money(row.balance)))))));
}

/** The card of one document (detail = GET /applications/{id}/documents/{doc}, or the summary on failure). */
export function documentCard(detail, selectedKey, checkBoxes = []) {
  return h("section", { class: "document", id: `doc-${detail.document_id}`, dataset: { doc: detail.document_id, slot: detail.slot } },
    h("h3", {}, slotLabel(detail.slot), " ", h("small", {}, stateLabel(detail.state), " · ", detail.document_id.slice(-8))),
    (detail.reasons || []).length ? h("p", { class: "warn" }, detail.reasons.map((r) => r.zh && r.en ? `${r.zh} / ${r.en}` : r.code).join("；")) : null,
    h("div", { class: "side-by-side" }, picture(detail, checkBoxes), h("div", { class: "read" }, fieldRows(detail, selectedKey))),
    statementRows(detail));
}
