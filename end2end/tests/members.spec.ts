import { expect, test } from "@playwright/test";
import { asNewClient, signUp, uniqueEmail } from "./helpers";

test("an invited member joins the organisation", async ({ page, browser }) => {
  await signUp(page, "Grace Admin", uniqueEmail("grace"));
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members" })).toBeVisible();

  const bobEmail = uniqueEmail("bob");
  await page.getByLabel("Email").fill(bobEmail);
  await page.getByRole("button", { name: "Create invite link" }).click();
  const link = await page.getByTestId("invite-link").inputValue();
  expect(link).toContain("/invite/");
  await expect(page.getByTestId("pending-invite")).toContainText(bobEmail);

  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await asNewClient(bob);
  await bob.goto(new URL(link).pathname);
  await expect(bob.getByTestId("invite-title")).toHaveText("Join Grace Admin's organisation on Patchbay");
  await bob.getByRole("link", { name: "Create an account" }).click();
  await expect(bob).toHaveURL(/\/sign-up\?next=/);
  await bob.getByLabel("Your name").fill("Bob");
  await bob.getByLabel("Work email").fill(bobEmail);
  await bob.getByLabel("Password").fill("correct horse battery");
  await bob.getByRole("button", { name: "Create account" }).click();
  await expect(bob.getByTestId("accept-invite")).toBeVisible();
  await bob.getByTestId("accept-invite").click();
  await expect(bob).toHaveURL(/\/$/);
  await expect(bob.getByTestId("org-switcher")).toHaveValue(/.+/);
  await expect(bob.getByTestId("org-switcher").locator("option:checked")).toHaveText("Grace Admin's organisation");

  await page.reload();
  await expect(page.locator(`[data-testid=member-row][data-email="${bobEmail}"]`)).toContainText("member");
  await bobContext.close();
});
