// The sandbox's Connect UI, embedded the way Nango's frontend SDK embeds Connect UI (the
// sandbox's harness page), speaking the postMessage protocol in docs/nango.md, "Connect UI (postMessage)".
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const KEY = process.env.NANGO_SANDBOX_KEY ?? "8f4c5a5e-2a47-4c39-9a7e-0c5f1d0b7e21";

async function session(request: APIRequestContext, integration: string): Promise<string> {
  const response = await request.post("/sandbox/nango/connect/sessions", {
    headers: { Authorization: `Bearer ${KEY}` },
    data: {
      tags: { organization_id: "org_e2e", end_user_id: "user_e2e" },
      allowed_integrations: [integration],
    },
  });
  expect(response.status()).toBe(201);
  const token = (await response.json()).data.token as string;
  expect(token).toMatch(/^nango_connect_session_[0-9a-f]{64}$/);
  return token;
}

type SdkEvent = { type: string; payload?: Record<string, unknown> };

function events(page: Page): Promise<SdkEvent[]> {
  return page.evaluate(() => (window as unknown as { __events: SdkEvent[] }).__events);
}

async function openHarness(page: Page, token: string) {
  await page.goto(`/sandbox/nango/_sandbox/harness?token=${encodeURIComponent(token)}`);
  await expect.poll(async () => (await events(page)).map((e) => e.type)).toContain("ready");
  expect((await events(page)).map((e) => e.type)).toContain("token_sent");
  return page.frameLocator("#connect-ui");
}

test("approve posts connect and the sandbox sends a signed auth webhook", async ({ page, request }) => {
  const ui = await openHarness(page, await session(request, "hubspot"));
  await ui.getByTestId("approve").click();
  await expect(ui.getByTestId("success")).toBeVisible();
  await expect.poll(async () => (await events(page)).find((e) => e.type === "connect")).toBeTruthy();
  const connect = (await events(page)).find((e) => e.type === "connect")!;
  expect(connect.payload?.providerConfigKey).toBe("hubspot");
  const connectionId = connect.payload?.connectionId as string;
  expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);

  await expect
    .poll(async () => {
      const sent = (await (await request.get("/sandbox/nango/_sandbox/webhooks")).json()).webhooks as Array<{
        body: { connectionId: string; operation: string; type: string };
        signature: string;
        status: number | null;
      }>;
      return sent.find((w) => w.body.connectionId === connectionId);
    })
    .toMatchObject({ body: { type: "auth", operation: "creation" }, status: 200 });

  await ui.getByTestId("finish").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
  expect((await events(page)).map((e) => e.type)).toContain("close");
});

test("deny posts an error and keeps the window open", async ({ page, request }) => {
  const ui = await openHarness(page, await session(request, "hubspot"));
  await ui.getByTestId("deny").click();
  await expect(ui.getByTestId("auth-error")).toContainText("denied");
  await expect.poll(async () => (await events(page)).find((e) => e.type === "error")?.payload?.errorType).toBe(
    "connection_validation_failed",
  );
  await expect(page.locator("#connect-ui")).toHaveCount(1);
});

test("close removes the iframe and restores scrolling", async ({ page, request }) => {
  const ui = await openHarness(page, await session(request, "hubspot"));
  await expect(page.locator("body")).toHaveCSS("overflow", "hidden");
  await ui.getByTestId("close").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
  expect((await events(page)).map((e) => e.type)).toContain("close");
  expect(await page.evaluate(() => document.body.style.overflow)).toBe("");
});

test("an API-key provider connects through the form, refusing a bad key first", async ({ page, request }) => {
  const ui = await openHarness(page, await session(request, "openai"));
  await ui.getByTestId("api-key").fill("invalid");
  await ui.getByTestId("submit").click();
  await expect(ui.getByTestId("auth-error")).toContainText("refused");
  await expect.poll(async () => (await events(page)).find((e) => e.type === "error")?.payload?.errorType).toBe(
    "connection_test_failed",
  );
  await ui.getByTestId("api-key").fill("sk-e2e-test");
  await ui.getByTestId("submit").click();
  await expect(ui.getByTestId("success")).toBeVisible();
  await expect.poll(async () => (await events(page)).find((e) => e.type === "connect")?.payload?.providerConfigKey).toBe(
    "openai",
  );
});

test("an unknown session token shows an error screen", async ({ page }) => {
  const ui = await openHarness(page, `nango_connect_session_${"0".repeat(64)}`);
  await expect(ui.getByTestId("fatal-error")).toContainText("expired or is not valid");
});
