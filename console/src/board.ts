// The board of one shooting: a row per look, a column per status, each shot a card with its
// current image. Reviewers approve, reject and generate from the cards, the open-shot panel or
// the keyboard; the live feed moves cards and fills in images as generations finish, with no
// reload.
import {
  approveShot,
  generateShot,
  getShot,
  listShootingProductionRequestStatuses,
  type ProductionRequestPublic,
  readProductionRequests,
  readShooting,
  rejectShot,
  type ShotPublic,
  startProductionRequestGenerations,
} from "@shooting-platform/client";

import { BoardModel, columnsOf, currentRevision, imageOf } from "./board-model.js";
import { byId, h, replace } from "./dom.js";
import { bindShortcuts } from "./keys.js";
import { LiveFeed, type LiveState } from "./live.js";
import { token, unwrap } from "./session.js";
import { renderPanel } from "./shot-panel.js";
import { toast } from "./toast.js";

const PAGE = 1000;

export class Board {
  private model: BoardModel | null = null;
  private selected: string | null = null;
  private openShot: string | null = null;
  private live: LiveFeed | null = null;
  private unbindKeys: (() => void) | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly shootingId: string,
  ) {}

  async show(): Promise<void> {
    const shooting = unwrap(await readShooting({ path: { shooting_id: this.shootingId } }), "Reading the shooting");
    replace(
      this.root,
      h(
        "header",
        { class: "topbar" },
        h("a", { href: "#/", class: "back" }, "← Shootings"),
        h("h1", {}, shooting.name),
        h("span", { id: "live-state", class: "live", "data-state": "connecting" }, "connecting"),
      ),
      h("div", { id: "board", class: "board" }),
      h("aside", { id: "shot-panel", class: "panel", hidden: true }),
      h(
        "footer",
        { class: "shortcuts" },
        ...[
          ["J / →", "next"],
          ["K / ←", "previous"],
          ["Enter", "open"],
          ["A", "approve"],
          ["R", "reject"],
          ["G", "generate shot"],
          ["Shift G", "generate look"],
          ["Esc", "close"],
        ].map(([key, what]) => h("span", {}, h("kbd", {}, key ?? ""), ` ${what}`)),
      ),
    );
    await this.reload();
    this.unbindKeys = bindShortcuts({
      next: () => this.select(this.model?.neighbour(this.selected, 1) ?? null),
      previous: () => this.select(this.model?.neighbour(this.selected, -1) ?? null),
      open: () => this.selected && this.open(this.selected),
      close: () => this.close(),
      approve: () => this.selected && void this.approve(this.selected),
      reject: () => this.selected && void this.reject(this.selected, null),
      generateShot: () => this.selected && void this.generate(this.selected),
      generateLook: () => {
        const look = this.selected ? this.model?.shot(this.selected)?.production_request_id : null;
        if (look) void this.generateLook(look);
      },
    });
    // The socket's context is the shooting's own organization (personal when it has none), so a
    // board opened from a link works whichever organization the picker shows.
    const context = shooting.organization_id ?? null;
    this.live = new LiveFeed(this.shootingId, () => ({ token: token(), organizationId: context }), {
      shot: (event) => {
        if (event.event === "deleted") {
          this.model?.removeShot(event.shot_id);
          this.renderBoard();
        } else if (this.model?.knowsLook(event.production_request_id)) {
          void this.refreshShot(event.shot_id);
        } else {
          void this.reload();
        }
      },
      generation: (event) => {
        this.model?.generationMoved(event.shot_id, event.generation_id, event.status, event.error);
        if (event.status === "FAILED") toast(`Generation failed: ${event.error ?? "unknown reason"}`);
        if (event.status === "COMPLETED") void this.refreshShot(event.shot_id);
        else this.renderBoard();
      },
      resync: () => void this.reload(),
      state: (state: LiveState) => {
        const badge = document.getElementById("live-state");
        if (badge) {
          badge.dataset.state = state;
          badge.textContent = state;
        }
      },
      refused: (error) => toast(`Live updates stopped: ${error}`),
    });
    this.live.start();
  }

  destroy(): void {
    this.live?.stop();
    this.root.classList.remove("panel-open");
    this.unbindKeys?.();
  }

  /** The whole board over REST: at start, after a resync, and when a look appears. */
  private async reload(): Promise<void> {
    const [statuses, looks] = await Promise.all([
      listShootingProductionRequestStatuses({ path: { shooting_id: this.shootingId } }),
      readProductionRequests({ path: { shooting_id: this.shootingId }, query: { limit: PAGE } }),
    ]);
    this.model = new BoardModel(unwrap(looks, "Reading the looks").data, columnsOf(statuses.data ?? []));
    this.renderBoard();
  }

  private async refreshShot(shotId: string): Promise<void> {
    const shot = await getShot({ path: { shot_id: shotId } });
    if (shot.data) this.updated(shot.data);
  }

  private updated(shot: ShotPublic): void {
    this.model?.replaceShot(shot);
    this.renderBoard();
  }

  private renderBoard(): void {
    const model = this.model;
    const board = document.getElementById("board");
    if (!model || !board) return;
    board.style.setProperty("--columns", String(model.columns.length));
    replace(
      board,
      h(
        "div",
        { class: "board-head" },
        h("div", { class: "look-head" }, `Looks (${model.looks.length})`),
        ...model.columns.map((column) =>
          h(
            "div",
            { class: "column-head", "data-status": column.key },
            column.label,
            h("span", { class: "count" }, String(model.looks.reduce((n, look) => n + model.shotsOf(look, column.key).length, 0))),
          ),
        ),
      ),
      ...(model.looks.length === 0
        ? [h("p", { class: "empty" }, "No looks in this shooting yet.")]
        : model.looks.map((look) => this.row(model, look))),
    );
    if (this.openShot) this.open(this.openShot);
  }

  private row(model: BoardModel, look: ProductionRequestPublic): HTMLElement {
    return h(
      "section",
      { class: "look-row", "data-look-id": look.id },
      h(
        "div",
        { class: "look-cell" },
        h("strong", {}, look.product_name ?? "Look"),
        h("span", { class: "muted" }, [look.product_sku, look.subject_name].filter(Boolean).join(" · ")),
        h("span", { class: `pill status-${model.lookStatus(look)}`, "data-testid": "look-status" }, model.lookStatus(look)),
        h("button", { class: "generate-look", title: "Generate every shot of this look (Shift G)", onclick: () => void this.generateLook(look.id) }, "Generate"),
      ),
      ...model.columns.map((column) =>
        h("div", { class: "cell", "data-status": column.key }, ...model.shotsOf(look, column.key).map((shot) => this.card(model, shot))),
      ),
    );
  }

  private card(model: BoardModel, shot: ShotPublic): HTMLElement {
    const revision = currentRevision(shot);
    const image = imageOf(revision);
    const generating = model.generating(shot.id);
    const failure = model.failure(shot.id);
    return h(
      "article",
      {
        class: ["card", shot.id === this.selected ? "selected" : "", generating ? "busy" : ""].join(" ").trim(),
        "data-shot-id": shot.id,
        "data-status": shot.status,
        "aria-selected": shot.id === this.selected ? "true" : "false",
        tabindex: 0,
        onclick: () => {
          this.select(shot.id);
          this.open(shot.id);
        },
      },
      image ? h("img", { src: image, alt: shot.shot_type?.name ?? "shot", loading: "lazy" }) : h("div", { class: "placeholder" }, "no image"),
      h("div", { class: "card-label" }, h("span", {}, shot.shot_type?.name ?? "shot"), h("span", { class: "muted" }, revision?.display_name ?? "")),
      generating ? h("div", { class: "badge generating" }, `generating ${generating}`) : null,
      failure ? h("div", { class: "badge failed", title: failure }, "failed") : null,
    );
  }

  private select(shotId: string | null): void {
    this.selected = shotId;
    for (const card of document.querySelectorAll<HTMLElement>(".card")) {
      const on = card.dataset.shotId === shotId;
      card.classList.toggle("selected", on);
      card.setAttribute("aria-selected", on ? "true" : "false");
      if (on) card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if (this.openShot && shotId) this.open(shotId);
  }

  private open(shotId: string): void {
    const shot = this.model?.shot(shotId);
    if (!shot || !this.model) return;
    this.openShot = shotId;
    const panel = byId("shot-panel");
    panel.hidden = false;
    this.root.classList.add("panel-open");
    const look = this.model.looks.find((candidate) => candidate.id === shot.production_request_id);
    renderPanel(panel, shot, look, this.model.generating(shotId), {
      approve: (id) => void this.approve(id),
      reject: (id, notes) => void this.reject(id, notes),
      generate: (id) => void this.generate(id),
      close: () => this.close(),
    });
  }

  private close(): void {
    this.openShot = null;
    byId("shot-panel").hidden = true;
    this.root.classList.remove("panel-open");
  }

  private async approve(shotId: string): Promise<void> {
    await this.act(async () => this.updated(unwrap(await approveShot({ path: { shot_id: shotId }, body: {} }), "Approve")));
  }

  private async reject(shotId: string, notes: string | null): Promise<void> {
    await this.act(async () => this.updated(unwrap(await rejectShot({ path: { shot_id: shotId }, body: { notes } }), "Reject")));
  }

  private async generate(shotId: string): Promise<void> {
    await this.act(async () => {
      const started = unwrap(await generateShot({ path: { shot_id: shotId }, body: { num_predictions: 1 } }), "Generate");
      for (const id of started.generation_ids) this.model?.generationMoved(shotId, id, "PENDING", null);
      if (started.generation_ids.length === 0) toast(started.message);
      this.renderBoard();
    });
  }

  private async generateLook(lookId: string): Promise<void> {
    await this.act(async () => {
      const body = { generations_per_shot_type: 1 };
      const started = unwrap(await startProductionRequestGenerations({ path: { production_request_id: lookId }, body }), "Generate");
      toast(started.message);
    });
  }

  private async act(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error));
    }
  }
}
