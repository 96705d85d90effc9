// API keys: an admin creates one in Settings and sees it once, a backend uses it against the
// REST API (unified API and the connections list), the admin sees when it was last used,
// revokes it, and the same call is refused.
import { expect, request, test } from "@playwright/test";
import { hydrated, signUp, uniqueEmail } from "./helpers";

test("an admin creates an API key, sees it once, uses it and revokes it", async ({ page, baseURL }) => {
  await signUp(page, "Ada Keys", uniqueEmail("ada-keys"));
  // A connection for the unified call.
  await page.goto("/connectors/hubspot");
  await hydrated(page);
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("approve").click();
  await expect(page.getByTestId("toast")).toContainText("HubSpot is connected");
  await ui.getByTestId("finish").click();

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await hydrated(page);
  await expect(page.getByTestId("no-api-keys")).toBeVisible();

  // A blank name is refused next to the field.
  await page.getByTestId("create-api-key").click();
  await expect(page.getByText("give the key a name")).toBeVisible();

  await page.getByLabel("Name").fill("support agent");
  await page.getByTestId("create-api-key").click();
  const shown = page.getByTestId("new-api-key-value");
  await expect(shown).toHaveValue(/^pbk_[0-9a-f]{48}$/);
  const key = await shown.inputValue();
  const row = page.getByTestId("api-key-row").filter({ hasText: "support agent" });
  await expect(row.getByTestId("api-key-prefix")).toHaveText(`${key.slice(0, 12)}…`);
  await expect(row.getByTestId("api-key-last-used")).toHaveText("never");

  // Shown once: after a reload only the prefix is left.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("new-api-key-value")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key.slice(12));

  // A backend uses it.
  const api = await request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  const listed = await api.post("/api/integrations/unified", {
    data: { provider: "nango", resource: "crm.contact", operation: "list", params: { page_size: 3 } },
  });
  expect(listed.status()).toBe(200);
  const body = await listed.json();
  expect(body.data).toHaveLength(3);
  expect(body.meta.connection.provider_config_key).toBe("hubspot");
  const invalid = await api.post("/api/integrations/unified", {
    data: { provider: "nango", resource: "crm.deal", operation: "list" },
  });
  expect(invalid.status()).toBe(400);
  expect((await invalid.json()).error.field).toBe("resource");

  await page.reload();
  await hydrated(page);
  await expect(row.getByTestId("api-key-last-used")).not.toHaveText("never");

  // Revoked: the same call is refused at once.
  await row.getByTestId("revoke-api-key").click();
  await row.getByTestId("confirm-revoke").click();
  await expect(row).toHaveAttribute("data-revoked", "true");
  const refused = await api.get("/api/v1/connections");
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("invalid_api_key");
  await api.dispose();
});

test("the API reference page is served from the repository", async ({ page }) => {
  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { name: "Patchbay API reference" })).toBeVisible();
  await expect(page.locator("article.op").filter({ hasText: "/api/integrations/unified" }).first()).toBeVisible();
  expect(await page.locator("script, link[rel=stylesheet]").count()).toBe(0);
});
