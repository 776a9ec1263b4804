// The board's live feed: `WS /api/v1/ws` (auth, then one subscription per shooting). Messages
// are de-duplicated by event id; after a dropped connection the feed reconnects with backoff and
// subscribes `since` the last event it saw, so nothing in between is lost (the server answers
// `resync_required` when it cannot replay the gap, and the board then reloads over REST).

/** What the socket sends that the board uses (gateway/schemas/live.py has the full contract,
 * published as JSON schema at GET /api/v1/schema). */
export type ShotEvent = {
  type: "shot";
  event: "created" | "status_changed" | "revision_created" | "revision_deleted" | "deleted";
  event_id: string;
  shooting_id: string;
  production_request_id: string;
  shot_id: string;
  status: string;
  current_revision_id: string | null;
  revision_id: string | null;
};

export type GenerationEvent = {
  type: "generation";
  event: "queued" | "processing" | "completed" | "failed";
  event_id: string;
  generation_id: string;
  shot_id: string;
  production_request_id: string;
  shooting_id: string;
  status: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";
  error: string | null;
};

type ServerMessage =
  | ShotEvent
  | GenerationEvent
  | { type: "auth_success" | "pong" | "unsubscribed" }
  | { type: "auth_error"; error: string }
  | { type: "subscribed"; shooting_id: string; replayed: number }
  | { type: "error"; error: string }
  | { type: "resync_required"; shooting_id: string; reason: string };

export type LiveState = "connecting" | "live" | "offline";

export type LiveHandlers = {
  shot(event: ShotEvent): void;
  generation(event: GenerationEvent): void;
  resync(reason: string): void;
  state(state: LiveState): void;
  /** The server refused the sign-in or the subscription: no retry helps. */
  refused(error: string): void;
};

const MAX_BACKOFF_MS = 10_000;
const PING_EVERY_MS = 25_000;
const SEEN_LIMIT = 5_000;

export class LiveFeed {
  private socket: WebSocket | null = null;
  private lastEventId: string | null = null;
  private readonly seen = new Set<string>();
  private backoff = 500;
  private closed = false;
  private pinger: number | undefined;
  private retry: number | undefined;

  constructor(
    private readonly shootingId: string,
    private readonly credentials: () => { token: string | null; organizationId: string | null },
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    window.clearTimeout(this.retry);
    window.clearInterval(this.pinger);
    this.socket?.close(1000, "board closed");
    this.socket = null;
  }

  private connect(): void {
    const { token, organizationId } = this.credentials();
    if (!token) return;
    this.handlers.state("connecting");
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/ws`);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "auth", token, organization_id: organizationId }));
    };
    socket.onmessage = (message) => this.receive(socket, JSON.parse(String(message.data)) as ServerMessage);
    socket.onclose = (event) => {
      window.clearInterval(this.pinger);
      if (this.socket !== socket) return;
      this.socket = null;
      this.handlers.state("offline");
      // 1008: refused at sign-in; 4001: the token expired. Both need a new sign-in, not a retry.
      if (this.closed || event.code === 1008 || event.code === 4001) return;
      this.retry = window.setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    };
  }

  private receive(socket: WebSocket, message: ServerMessage): void {
    switch (message.type) {
      case "auth_success":
        socket.send(JSON.stringify({ type: "subscribe", shooting_id: this.shootingId, since: this.lastEventId }));
        return;
      case "subscribed":
        this.backoff = 500;
        this.pinger = window.setInterval(() => socket.send(JSON.stringify({ type: "ping" })), PING_EVERY_MS);
        this.handlers.state("live");
        return;
      case "auth_error":
      case "error":
        this.handlers.refused(message.error);
        return;
      case "resync_required":
        this.handlers.resync(message.reason);
        return;
      case "shot":
      case "generation":
        if (!this.firstSighting(message.event_id)) return;
        if (message.type === "shot") this.handlers.shot(message);
        else this.handlers.generation(message);
        return;
      default:
        return;
    }
  }

  private firstSighting(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    this.lastEventId = eventId;
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
