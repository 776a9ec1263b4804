// The typed client of the shooting platform's REST API. Everything under ./client is generated
// from the gateway's OpenAPI document by `make client` (never edited by hand); this file only
// re-exports it with the default client instance every SDK function uses.
//
//   client.setConfig({ baseUrl: "http://127.0.0.1:8000" });
//   const { data: token } = await loginAccessToken({ body: { username, password }, throwOnError: true });
//   client.setConfig({ auth: () => token.access_token });
//   const { data: shootings } = await readShootings({ query: { limit: 10 }, throwOnError: true });
export * from "./client/index.js";
export { client } from "./client/client.gen.js";
export { createClient, createConfig } from "./client/client/index.js";
export type { Client, Config, RequestResult } from "./client/client/index.js";
