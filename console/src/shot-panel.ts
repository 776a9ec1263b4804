// The open shot: its current image large, the review actions and the revision chain (newest
// first, each revision with its images, status, notes and the revision it follows).
import type { ProductionRequestPublic, ShotPublic, ShotRevisionPublic } from "@shooting-platform/client";

import { currentRevision, imageOf } from "./board-model.js";
import { h, replace } from "./dom.js";

export type PanelActions = {
  approve(shotId: string): void;
  reject(shotId: string, notes: string | null): void;
  generate(shotId: string): void;
  close(): void;
};

export function renderPanel(
  panel: HTMLElement,
  shot: ShotPublic,
  look: ProductionRequestPublic | undefined,
  generating: number,
  actions: PanelActions,
): void {
  const current = currentRevision(shot);
  const image = imageOf(current);
  const notes = h("textarea", { id: "review-notes", rows: 2, placeholder: "Review note (optional)" });
  const noteText = (): string | null => notes.value.trim() || null;
  replace(
    panel,
    h(
      "header",
      { class: "panel-head" },
      h("h2", {}, shot.shot_type?.name ?? "Shot"),
      h("button", { class: "icon", title: "Close (Esc)", "aria-label": "Close", onclick: () => actions.close() }, "×"),
    ),
    h("p", { class: "muted" }, look ? `${look.product_name ?? "Look"} · ${look.subject_name ?? ""}` : ""),
    h(
      "div",
      { class: "panel-status" },
      h("span", { class: `pill status-${shot.status}`, "data-testid": "panel-status" }, shot.status),
      generating > 0 ? h("span", { class: "pill generating" }, `generating ${generating}`) : null,
    ),
    image
      ? h("img", { class: "panel-image", src: image, alt: `${shot.shot_type?.name ?? "shot"} ${current?.display_name ?? ""}` })
      : h("div", { class: "panel-image empty" }, "No image yet"),
    notes,
    h(
      "div",
      { class: "panel-actions" },
      h("button", { class: "approve", onclick: () => actions.approve(shot.id) }, "Approve ", h("kbd", {}, "A")),
      h("button", { class: "reject", onclick: () => actions.reject(shot.id, noteText()) }, "Reject ", h("kbd", {}, "R")),
      h("button", { class: "generate", onclick: () => actions.generate(shot.id) }, "Generate ", h("kbd", {}, "G")),
    ),
    h("h3", {}, `Revisions (${shot.revisions?.length ?? 0})`),
    h("ol", { class: "revisions", reversed: true }, ...revisionChain(shot).map((revision) => revisionItem(shot, revision))),
  );
}

/** Newest first, following each revision back to the one it replaced. */
function revisionChain(shot: ShotPublic): ShotRevisionPublic[] {
  return [...(shot.revisions ?? [])].sort((a, b) => b.version - a.version);
}

function revisionItem(shot: ShotPublic, revision: ShotRevisionPublic) {
  const previous = (shot.revisions ?? []).find((candidate) => candidate.id === revision.previous_revision_id);
  const images = (revision.images ?? [])
    .map((image) => image.effective_image_url ?? image.image_media?.url ?? image.image_url)
    .filter((url): url is string => Boolean(url));
  return h(
    "li",
    { class: revision.id === shot.current_revision_id ? "revision current" : "revision", "data-revision-id": revision.id },
    h(
      "div",
      { class: "revision-head" },
      h("strong", {}, revision.display_name),
      h("span", { class: `pill status-${revision.shot_status}` }, revision.shot_status),
      revision.id === shot.current_revision_id ? h("span", { class: "pill current" }, "current") : null,
      h("time", { datetime: revision.created_at }, new Date(revision.created_at).toLocaleString()),
    ),
    h("div", { class: "revision-images" }, ...images.map((url) => h("img", { src: url, alt: revision.display_name, loading: "lazy" }))),
    revision.notes ? h("p", { class: "notes" }, revision.notes) : null,
    previous ? h("p", { class: "muted" }, `follows ${previous.display_name}`) : null,
  );
}
