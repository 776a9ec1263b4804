// The generated client against a running platform (node's own test runner). The pytest test
// tests/e2e/test_typescript_client.py compiles this with `tsc --strict` and runs it against the
// end-to-end stack; by hand, against `make run`:
//
//   npm run build && PLATFORM_URL=http://127.0.0.1:8000 node --test build/test/
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";

import {
  client,
  createProduct,
  createProductionRequests,
  createShooting,
  createShotType,
  createSubject,
  loginAccessToken,
  readProductionRequests,
  readShooting,
  readUserMe,
} from "../src/index.js";

const baseUrl = process.env.PLATFORM_URL ?? "http://127.0.0.1:8000";
const username = process.env.PLATFORM_EMAIL ?? "admin@example.com";
const password = process.env.PLATFORM_PASSWORD ?? "changethis";

describe("the TypeScript client against the running platform", () => {
  before(async () => {
    client.setConfig({ baseUrl });
    const { data: token } = await loginAccessToken({ body: { username, password }, throwOnError: true });
    assert.equal(token.token_type, "bearer");
    client.setConfig({ auth: () => token.access_token });
  });

  it("logs in as the user it names", async () => {
    const { data: me } = await readUserMe({ throwOnError: true });
    assert.equal(me.email, username);
  });

  it("creates a shooting and lists its looks", async () => {
    const tag = randomUUID().slice(0, 8);
    const { data: shotType } = await createShotType({
      body: { name: `front ${tag}`, view_angle: "FRONT", framing: "FULL_BODY" },
      throwOnError: true,
    });
    const { data: subject } = await createSubject({ body: { name: `Ada ${tag}`, gender: "FEMALE" }, throwOnError: true });
    const { data: product } = await createProduct({
      body: { name: `Coat ${tag}`, sku: `TS-${tag}`, gender: "FEMALE" },
      throwOnError: true,
    });
    const { data: shooting } = await createShooting({
      body: { name: `TypeScript ${tag}`, due_date: "2027-01-15T10:00:00Z" },
      throwOnError: true,
    });
    const { data: created } = await createProductionRequests({
      path: { shooting_id: shooting.id },
      body: { product_ids: [product.id], subject_ids: [subject.id], shot_type_ids: [shotType.id] },
      throwOnError: true,
    });
    assert.equal(created.production_requests.length, 1);

    const { data: looks } = await readProductionRequests({ path: { shooting_id: shooting.id }, throwOnError: true });
    assert.equal(looks.count, 1);
    const [look] = looks.data;
    assert.ok(look);
    assert.equal(look.product_sku, `TS-${tag}`);
    assert.equal(look.subject_name, `Ada ${tag}`);
    assert.deepEqual(
      (look.shots ?? []).map((shot) => [shot.shot_type?.name, shot.status]),
      [[`front ${tag}`, "PENDING"]],
    );
  });

  it("returns the platform's error shape without throwing", async () => {
    const missing = await readShooting({ path: { shooting_id: randomUUID() } });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.data, undefined);
    assert.deepEqual(missing.error, { detail: "Shooting not found" });
  });
});
