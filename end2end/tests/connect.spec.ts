// The Connect flow from the browser against the embedded Nango sandbox: the Rust bridge opens
// Connect UI, the server creates the session and confirms the connection.
import { expect, test, type Page } from "@playwright/test";
import { hydrated, signUp, uniqueEmail } from "./helpers";

async function openConnector(page: Page, slug: string) {
  await page.goto(`/connectors/${slug}`);
  await hydrated(page);
  // Marks this document: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}

async function stillTheSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
}

test("connect HubSpot: approve, then Connected without a reload", async ({ page }) => {
  await signUp(page, "Connie", uniqueEmail("connie"));
  await openConnector(page, "hubspot");
  await expect(page.getByTestId("no-connections")).toBeVisible();
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("approve").click();
  await expect(page.getByTestId("toast")).toContainText("HubSpot is connected");
  await expect(page.getByText("Connected").first()).toBeVisible();
  await ui.getByTestId("finish").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
  await expect(page.getByTestId("connect-button")).toBeEnabled();
  await stillTheSameDocument(page);

  await page.goto("/?q=hubspot");
  await expect(page.locator("[data-slug=hubspot] [data-testid=connected-badge]")).toHaveText("Connected");
});

test("deny shows the error and records nothing", async ({ page }) => {
  await signUp(page, "Denise", uniqueEmail("denise"));
  await openConnector(page, "hubspot");
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("deny").click();
  await expect(page.getByTestId("connect-error")).toContainText("denied");
  await ui.getByTestId("close").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
  await expect(page.getByTestId("no-connections")).toBeVisible();
  await stillTheSameDocument(page);
});

test("closing the dialog makes the button usable again", async ({ page }) => {
  await signUp(page, "Clive", uniqueEmail("clive"));
  await openConnector(page, "hubspot");
  await page.getByTestId("connect-button").click();
  await expect(page.getByTestId("connect-button")).toBeDisabled();
  await page.frameLocator("#connect-ui").getByTestId("close").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
  await expect(page.getByTestId("connect-button")).toBeEnabled();
  expect(await page.evaluate(() => document.body.style.overflow)).toBe("");
});

test("an API-key provider connects through the form", async ({ page }) => {
  await signUp(page, "Ava", uniqueEmail("ava"));
  await openConnector(page, "openai");
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("api-key").fill("sk-test-e2e");
  await ui.getByTestId("submit").click();
  await expect(page.getByTestId("toast")).toContainText("OpenAI is connected");
  await expect(page.getByText("Connected").first()).toBeVisible();
});
