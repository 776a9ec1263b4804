// Who is signed in and in which organization context: the access token lives in sessionStorage
// (gone with the tab), the chosen organization in localStorage (kept between visits). Every call
// of the generated client sends the token; a 401 anywhere signs the reviewer out.
import { client, loginAccessToken } from "@shooting-platform/client";

const TOKEN_KEY = "platform.console.token";
const ORGANIZATION_KEY = "platform.console.organization";

type Listener = () => void;
const signedOutListeners: Listener[] = [];

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function organizationId(): string | null {
  return localStorage.getItem(ORGANIZATION_KEY) || null;
}

export function chooseOrganization(id: string | null): void {
  if (id) localStorage.setItem(ORGANIZATION_KEY, id);
  else localStorage.removeItem(ORGANIZATION_KEY);
}

export function onSignedOut(listener: Listener): void {
  signedOutListeners.push(listener);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of signedOutListeners) listener();
}

/** Same origin as the page: the gateway serves both (through Envoy in `make run`). */
export function configureClient(): void {
  client.setConfig({ baseUrl: window.location.origin, auth: () => token() ?? undefined });
  client.interceptors.response.use((response) => {
    if (response.status === 401 && token()) signOut();
    return response;
  });
}

export async function signIn(username: string, password: string): Promise<void> {
  const result = await loginAccessToken({ body: { username, password } });
  if (!result.data) throw new Error(errorText(result.error, "Sign-in failed"));
  sessionStorage.setItem(TOKEN_KEY, result.data.access_token);
}

/** The platform's error shape, `{"detail": "..."}` or FastAPI's list of validation errors, as
 * one line a person can read. */
export function errorText(error: unknown, fallback: string): string {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => (item && typeof item === "object" && "msg" in item ? String(item.msg) : "")).join("; ");
    }
  }
  return fallback;
}

/** The data of a generated-client result, or an Error carrying the platform's detail. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${errorText(result.error, `HTTP ${result.response.status}`)}`);
  }
  return result.data;
}
