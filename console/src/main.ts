// The review console: sign in, pick a shooting, review its board. The address says where the
// reviewer is (#/ the shootings, #/shootings/<id> a board), so a reload or a shared link lands
// on the same screen.
import { Board } from "./board.js";
import { byId, h, replace } from "./dom.js";
import { configureClient, onSignedOut, token } from "./session.js";
import { showShootings, showSignIn } from "./views.js";

const BOARD_ROUTE = /^#\/shootings\/([0-9a-f-]{36})$/;

let board: Board | null = null;

async function route(): Promise<void> {
  const root = byId("app");
  board?.destroy();
  board = null;
  if (!token()) {
    showSignIn(root, () => void route());
    return;
  }
  try {
    const match = BOARD_ROUTE.exec(window.location.hash);
    if (match?.[1]) {
      board = new Board(root, match[1]);
      await board.show();
    } else {
      await showShootings(root);
    }
  } catch (error) {
    replace(
      root,
      h("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error)),
      h("a", { href: "#/" }, "Back to the shootings"),
    );
  }
}

configureClient();
onSignedOut(() => void route());
window.addEventListener("hashchange", () => void route());
void route();
