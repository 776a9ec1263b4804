// One line of feedback at the bottom of the page (errors from the platform, generation notes);
// announced to screen readers, gone after a few seconds.
import { h } from "./dom.js";

const VISIBLE_MS = 6000;

export function toast(message: string): void {
  let area = document.getElementById("toasts");
  if (!area) {
    area = h("div", { id: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(area);
  }
  const item = h("div", { class: "toast" }, message);
  area.append(item);
  window.setTimeout(() => item.remove(), VISIBLE_MS);
}
