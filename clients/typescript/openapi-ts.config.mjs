// `npm run generate` (what `make client` runs after writing openapi.json from the gateway's own
// FastAPI app): the typed client in src/client. CLIENT_OUTPUT redirects the output, so the
// staleness test can generate next to the committed copy and compare.
import { defineConfig } from "@hey-api/openapi-ts";

export default defineConfig({
  input: "./openapi.json",
  output: {
    path: process.env.CLIENT_OUTPUT ?? "./src/client",
    // Explicit `.js` suffixes: the output runs as native ES modules in Node and in browsers.
    importFileExtension: ".js",
  },
  plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
  logs: { file: false },
});
