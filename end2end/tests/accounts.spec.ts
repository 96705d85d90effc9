import { expect, test } from "@playwright/test";
import { PASSWORD, hydrated, signUp, uniqueEmail } from "./helpers";

test("sign up lands on the catalog, signed in", async ({ page }) => {
  const email = uniqueEmail("ada");
  await signUp(page, "Ada Lovelace", email);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Connector catalog" })).toBeVisible();
  await expect(page.getByTestId("org-name")).toHaveText("Ada Lovelace's organisation");
});

test("errors appear next to the field", async ({ page }) => {
  await page.goto("/sign-up");
  await hydrated(page);
  await page.getByLabel("Your name").fill("Bo");
  await page.getByLabel("Work email").fill(uniqueEmail("bo"));
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toHaveText(/at least 10 characters/);
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
});

test("a wrong password is refused without saying which part was wrong", async ({ page }) => {
  const email = uniqueEmail("grace");
  await signUp(page, "Grace", email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "email or password is not correct" })).toBeVisible();

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("viewer-name")).toHaveText("Grace");
});

test("dark mode can be switched and is remembered", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const before = await page.evaluate(() => document.documentElement.classList.contains("dark"));
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(!before);
  await page.reload();
  await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(!before);
});
