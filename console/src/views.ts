// The two screens before a board: signing in, and choosing a shooting (in the personal context
// or one of the reviewer's organizations, the same scoping the REST surface has).
import { readOrganizations, readShootings, readUserMe } from "@shooting-platform/client";

import { h, replace } from "./dom.js";
import { chooseOrganization, organizationId, signIn, signOut, unwrap } from "./session.js";

export function showSignIn(root: HTMLElement, signedIn: () => void): void {
  const error = h("p", { class: "error", role: "alert" });
  const username = h("input", { name: "username", type: "email", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    { id: "sign-in", class: "sign-in" },
    h("h1", {}, "Review console"),
    h("label", {}, "Email", username),
    h("label", {}, "Password", password),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    signIn(username.value, password.value).then(signedIn, (failure: unknown) => {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    });
  });
  replace(root, form);
  username.focus();
}

export async function showShootings(root: HTMLElement): Promise<void> {
  const [me, organizations] = await Promise.all([readUserMe(), readOrganizations({ query: { limit: 1000 } })]);
  const user = unwrap(me, "Reading the signed-in user");
  const memberships = unwrap(organizations, "Reading organizations").data;
  // Most work happens in an organization: the first one is the default until one is chosen.
  let scope = organizationId();
  if (scope && !memberships.some((organization) => organization.id === scope)) scope = null;
  if (!scope && memberships[0] && localStorage.getItem("platform.console.personal") !== "1") scope = memberships[0].id;
  chooseOrganization(scope);

  const picker = h(
    "select",
    { id: "organization", "aria-label": "Organization" },
    h("option", { value: "" }, "Personal"),
    ...memberships.map((organization) => h("option", { value: organization.id, selected: organization.id === scope }, organization.name)),
  );
  picker.addEventListener("change", () => {
    localStorage.setItem("platform.console.personal", picker.value ? "0" : "1");
    chooseOrganization(picker.value || null);
    void showShootings(root);
  });
  const list = h("ul", { class: "shootings" });
  replace(
    root,
    h(
      "header",
      { class: "topbar" },
      h("h1", {}, "Shootings"),
      picker,
      h("span", { class: "muted" }, user.email),
      h("button", { class: "link", onclick: () => signOut() }, "Sign out"),
    ),
    list,
  );
  const shootings = unwrap(
    await readShootings({ query: { organization_id: scope, limit: 1000 } }),
    "Reading shootings",
  ).data;
  replace(
    list,
    ...(shootings.length === 0
      ? [h("li", { class: "empty" }, "No shootings here yet.")]
      : shootings.map((shooting) =>
          h(
            "li",
            {},
            h(
              "a",
              { href: `#/shootings/${shooting.id}`, class: "shooting", "data-shooting-id": shooting.id },
              h("strong", {}, shooting.name),
              h("span", { class: "muted" }, [shooting.brand, shooting.season].filter(Boolean).join(" · ")),
              shooting.status ? h("span", { class: `pill status-${shooting.status}` }, shooting.status) : null,
            ),
          ),
        )),
  );
}
