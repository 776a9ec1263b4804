// What the board shows, kept apart from the DOM: one row per look, one column per status of the
// shooting's type, each shot in its status's column of its look's row. Live events and the
// reviewer's own actions replace a shot here; the view re-renders from it.
import type {
  ProductionRequestPublic,
  ProductionRequestStatusPublic,
  ShotPublic,
  ShotRevisionPublic,
} from "@shooting-platform/client";

export type Column = { key: string; label: string };

/** The shot statuses of the default shooting type, used when the shooting's own cannot be read. */
export const DEFAULT_COLUMNS: Column[] = [
  { key: "PENDING", label: "Pending" },
  { key: "PROPOSAL", label: "Proposal" },
  { key: "REJECTED", label: "Rejected" },
  { key: "POST_PROD", label: "Post-production" },
  { key: "POST_PROD_REJECTED", label: "Post-production rejected" },
  { key: "REVIEW", label: "Review" },
  { key: "APPROVED", label: "Approved" },
];

export function columnsOf(statuses: ProductionRequestStatusPublic[]): Column[] {
  if (statuses.length === 0) return DEFAULT_COLUMNS;
  return [...statuses].sort((a, b) => a.sorting - b.sorting).map(({ key, label }) => ({ key, label }));
}

export class BoardModel {
  readonly looks: ProductionRequestPublic[];
  private readonly shots = new Map<string, ShotPublic>();
  /** Generations queued or running, per shot: the card shows them until they settle. */
  private readonly running = new Map<string, Set<string>>();
  private readonly failures = new Map<string, string>();

  constructor(
    looks: ProductionRequestPublic[],
    readonly columns: Column[],
  ) {
    this.looks = looks;
    for (const look of looks) for (const shot of look.shots ?? []) this.shots.set(shot.id, shot);
  }

  shot(id: string): ShotPublic | undefined {
    return this.shots.get(id);
  }

  /** Does the board know this shot's look? (A shot created elsewhere needs a reload.) */
  knowsLook(lookId: string): boolean {
    return this.looks.some((look) => look.id === lookId);
  }

  shotsOf(look: ProductionRequestPublic, status: string): ShotPublic[] {
    return (look.shots ?? [])
      .map((shot) => this.shots.get(shot.id))
      .filter((shot): shot is ShotPublic => shot !== undefined && shot.status === status);
  }

  /** The look's lowest shot status in the columns' order (READY when it has no shots), as the
   * platform rolls it up. */
  lookStatus(look: ProductionRequestPublic): string {
    const order = this.columns.map((column) => column.key);
    const statuses = (look.shots ?? []).map((shot) => this.shots.get(shot.id)?.status ?? shot.status);
    if (statuses.length === 0) return "READY";
    return statuses.reduce((lowest, status) => (order.indexOf(status) < order.indexOf(lowest) ? status : lowest));
  }

  /** Every shot in reading order (row by row, column by column): what next/previous walk. */
  order(): string[] {
    return this.looks.flatMap((look) =>
      this.columns.flatMap((column) => this.shotsOf(look, column.key).map((shot) => shot.id)),
    );
  }

  neighbour(id: string | null, step: 1 | -1): string | null {
    const order = this.order();
    if (order.length === 0) return null;
    const at = id === null ? -1 : order.indexOf(id);
    if (at === -1) return step === 1 ? (order[0] ?? null) : (order[order.length - 1] ?? null);
    return order[Math.min(Math.max(at + step, 0), order.length - 1)] ?? null;
  }

  replaceShot(shot: ShotPublic): void {
    this.shots.set(shot.id, shot);
    const look = this.looks.find((candidate) => candidate.id === shot.production_request_id);
    if (look && !(look.shots ?? []).some((known) => known.id === shot.id)) look.shots = [...(look.shots ?? []), shot];
  }

  removeShot(id: string): void {
    this.shots.delete(id);
    for (const look of this.looks) look.shots = (look.shots ?? []).filter((shot) => shot.id !== id);
  }

  generationMoved(shotId: string, generationId: string, status: string, error: string | null): void {
    const running = this.running.get(shotId) ?? new Set<string>();
    if (status === "PENDING" || status === "PROCESSING") {
      running.add(generationId);
      this.failures.delete(shotId);
    } else {
      running.delete(generationId);
      if (status === "FAILED") this.failures.set(shotId, error ?? "generation failed");
    }
    this.running.set(shotId, running);
  }

  generating(shotId: string): number {
    return this.running.get(shotId)?.size ?? 0;
  }

  failure(shotId: string): string | undefined {
    return this.failures.get(shotId);
  }
}

export function currentRevision(shot: ShotPublic): ShotRevisionPublic | undefined {
  const revisions = shot.revisions ?? [];
  return revisions.find((revision) => revision.id === shot.current_revision_id) ?? revisions[revisions.length - 1];
}

/** The signed URL of a revision's first image (thumbnails and the revision chain). */
export function imageOf(revision: ShotRevisionPublic | undefined): string | null {
  if (!revision) return null;
  if (revision.effective_image_url) return revision.effective_image_url;
  for (const image of revision.images ?? []) {
    const url = image.effective_image_url ?? image.image_media?.url ?? image.image_url;
    if (url) return url;
  }
  return null;
}
