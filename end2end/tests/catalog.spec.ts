import { expect, test } from "@playwright/test";
import { hydrated } from "./helpers";

const cards = "[data-testid=connector-card]";

test("search narrows the grid and lives in the URL", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const all = await page.locator(cards).count();
  expect(all).toBeGreaterThanOrEqual(120);

  await page.keyboard.press("/");
  await expect(page.getByLabel("Search connectors")).toBeFocused();
  await page.keyboard.type("hubspto"); // a typo on purpose
  await expect(page).toHaveURL(/q=hubspto/);
  await expect(page.locator(cards).first()).toHaveAttribute("data-slug", "hubspot");
  expect(await page.locator(cards).count()).toBeLessThan(all);
  await expect(page.locator(cards).first().getByTestId("nango-badge")).toBeVisible();

  await page.getByLabel("Search connectors").fill("zzzzqqqq");
  await expect(page.getByTestId("empty-state")).toContainText("No connectors match");
});

test("a category chip filters the grid, updates the URL and survives a reload", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.locator("nav[aria-label=Categories] a[data-category=crm]").click();
  await expect(page).toHaveURL(/category=crm/);
  await expect(page.locator("nav[aria-label=Categories] a[data-category=crm]")).toHaveAttribute("aria-current", "true");
  const slugs = await page.locator(cards).evaluateAll((els) => els.map((e) => e.getAttribute("data-slug")));
  expect(slugs).toContain("hubspot");
  expect(slugs).not.toContain("slack");

  await page.reload();
  await expect(page.locator("nav[aria-label=Categories] a[data-category=crm]")).toHaveAttribute("aria-current", "true");
  const afterReload = await page.locator(cards).evaluateAll((els) => els.map((e) => e.getAttribute("data-slug")));
  expect(afterReload).toEqual(slugs);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the URL filter still renders on the server", async ({ page }) => {
    await page.goto("/?category=crm&q=hub");
    await expect(page.locator(cards).first()).toHaveAttribute("data-slug", "hubspot");
    const slugs = await page.locator(cards).evaluateAll((els) => els.map((e) => e.getAttribute("data-slug")));
    expect(slugs).not.toContain("slack");
    await expect(page.getByLabel("Search connectors")).toHaveValue("hub");
  });
});

test("a signed-out visitor's Connect asks them to sign in", async ({ page }) => {
  await page.goto("/connectors/hubspot");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "HubSpot" })).toBeVisible();
  await page.getByTestId("connect-button").click();
  await expect(page).toHaveURL(/\/sign-in\?next=\/connectors\/hubspot/);
  await expect(page.getByTestId("sign-in-reason")).toContainText("Sign in to connect");
});
