// Building the page from data. Everything the API returns (names, OCR text, notes) is untrusted: it only ever
// becomes text nodes or attribute values, never markup.

/**
 * h("td", {class: "x", dataset: {id: "1"}, onclick: fn}, "text", child) -> the element.
 * Attributes named on* are event listeners; `dataset` and `style` take objects; false/null/undefined skip.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "style" && typeof value === "object") Object.assign(element.style, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.appendChild(child);
    else element.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(element) {
  while (element.firstChild) element.removeChild(element.firstChild);
  return element;
}

let toastTimer = null;

/** A short message at the bottom of the screen; `kind` is "ok" or "error". */
export function toast(message, kind = "ok") {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.className = `toast ${kind} shown`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.className = `toast ${kind}`; }, kind === "error" ? 8000 : 4000);
}

/** True when the keyboard focus is in a place that takes typing. */
export function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.closest("dialog[open]")) return true;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}
