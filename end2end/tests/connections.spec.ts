// The connections page: the connection made from the catalog shows there; Check now, Reconnect
// (same connection id) and Disconnect (confirmed) work; the catalog card agrees.
import { expect, test, type Page } from "@playwright/test";
import { hydrated, signUp, uniqueEmail } from "./helpers";

async function connectHubSpot(page: Page) {
  await page.goto("/connectors/hubspot");
  await hydrated(page);
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("approve").click();
  await expect(page.getByTestId("toast")).toContainText("HubSpot is connected");
  await ui.getByTestId("finish").click();
  await expect(page.locator("#connect-ui")).toHaveCount(0);
}

test("check now, reconnect and disconnect a connection", async ({ page }) => {
  await signUp(page, "Manny", uniqueEmail("manny"));
  await connectHubSpot(page);

  await page.getByRole("link", { name: "Connections" }).click();
  await expect(page).toHaveURL(/\/connections$/);
  await hydrated(page);
  const row = page.locator("[data-testid=connection-row][data-connector=hubspot]");
  await expect(row.getByTestId("connection-status")).toHaveText("Connected");
  const account = await row.getByTestId("connection-account").innerText();

  await row.getByTestId("check-now").click();
  await expect(row.getByTestId("connection-status")).toHaveText("Connected");
  await expect(row).not.toContainText("never");

  await row.getByTestId("reconnect").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("approve").click();
  await expect(page.getByTestId("toast")).toContainText("HubSpot is reconnected");
  await ui.getByTestId("finish").click();
  await expect(page.locator("[data-testid=connection-row]")).toHaveCount(1);
  await expect(row.getByTestId("connection-account")).toHaveText(account);

  await row.getByTestId("disconnect").click();
  await page.getByTestId("confirm-disconnect").click();
  await expect(row.getByTestId("connection-status")).toHaveText("Disconnected");

  await page.goto("/?q=hubspot");
  await expect(page.locator("[data-slug=hubspot] [data-testid=connected-badge]")).toHaveCount(0);
});

test("the catalog card and the connections page agree", async ({ page }) => {
  await signUp(page, "Agnes", uniqueEmail("agnes"));
  await page.goto("/connections");
  await expect(page.getByTestId("no-connections")).toBeVisible();
  await connectHubSpot(page);
  await page.goto("/?q=hubspot");
  await expect(page.locator("[data-slug=hubspot] [data-testid=connected-badge]")).toHaveText("Connected");
  await page.goto("/connections");
  await expect(page.locator("[data-testid=connection-row][data-status=active]")).toHaveCount(1);
});
