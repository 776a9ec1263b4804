// `npm run build` (what `make console` runs): src/main.ts and the generated API client bundled
// into one ES module, with static/ beside it, in dist/. Written to a fresh folder that replaces
// dist/ at the end, so the gateway never serves half a build.
import { build } from "esbuild";
import { cp, rename, rm } from "node:fs/promises";

const next = "dist.next";
await rm(next, { recursive: true, force: true });
await cp("static", next, { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: `${next}/console.js`,
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});
await rm("dist", { recursive: true, force: true });
await rename(next, "dist");
console.log("console built in dist/");
