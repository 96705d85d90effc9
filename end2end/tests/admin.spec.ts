// The admin view: an admin sees the webhook the sandbox sent for their connection and filters
// the connections; a member cannot open it.
import { expect, test } from "@playwright/test";
import { hydrated, signUp, uniqueEmail } from "./helpers";

test("an admin sees the sandbox's webhook and filters connections; a member cannot open the view", async ({ page, browser }) => {
  await signUp(page, "Ada Admin", uniqueEmail("ada-admin"));
  await page.goto("/connectors/hubspot");
  await hydrated(page);
  await page.getByTestId("connect-button").click();
  const ui = page.frameLocator("#connect-ui");
  await ui.getByTestId("approve").click();
  await expect(page.getByTestId("toast")).toContainText("HubSpot is connected");
  await ui.getByTestId("finish").click();

  await expect(async () => {
    await page.goto("/admin");
    await expect(page.getByTestId("webhook-row").first()).toContainText("auth", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId("webhook-row").first()).toContainText("creation");
  await expect(page.getByTestId("webhook-row").first()).toContainText("valid");
  await expect(page.getByTestId("admin-connection-row")).toHaveCount(1);

  await page.goto("/admin?status=disconnected");
  await expect(page.getByTestId("admin-connection-row")).toHaveCount(0);
  await page.goto("/admin?connector=hubspot&status=active");
  await expect(page.getByTestId("admin-connection-row")).toHaveCount(1);

  // A member of the same organisation.
  await page.goto("/settings/members");
  const bobEmail = uniqueEmail("bob-member");
  await page.getByLabel("Email").fill(bobEmail);
  await page.getByRole("button", { name: "Create invite link" }).click();
  const link = await page.getByTestId("invite-link").inputValue();
  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signUp(bob, "Bob", bobEmail, new URL(link).pathname);
  await bob.getByTestId("accept-invite").click();
  await expect(bob).toHaveURL(/\/$/);
  await bob.goto("/admin");
  await expect(bob.getByTestId("admin-forbidden")).toContainText("Only admins");
  await expect(bob.getByTestId("webhook-log")).toHaveCount(0);
  await bobContext.close();
});
