// Shared steps: unique accounts per test, waiting for hydration, signing up.
import { expect, type Page } from "@playwright/test";

let counter = 0;

/** A fresh email for this run, so tests never collide with earlier runs' accounts. */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}@example.com`;
}

export const PASSWORD = "correct horse battery";

/** Resolves once the wasm has hydrated the page (App marks <body> when it has). */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true");
}

/** Signs up through the form and waits for the catalog. */
export async function signUp(page: Page, name: string, email: string, next?: string) {
  await page.goto(next ? `/sign-up?next=${encodeURIComponent(next)}` : "/sign-up");
  await hydrated(page);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("viewer-name")).toHaveText(name);
}
