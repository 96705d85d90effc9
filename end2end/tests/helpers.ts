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

/**
 * A distinct client address for this page (198.18.0.0/15, the benchmarking range). Sign-ups are
 * limited per IP (5 an hour); the e2e server trusts 127.0.0.1 as a proxy
 * (`PATCHBAY_TRUSTED_PROXY`, set by `.ci/test`), so each signing-up page counts as its own client.
 */
export async function asNewClient(page: Page) {
  counter += 1;
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": `198.18.${(counter >> 8) & 255}.${counter & 255}` });
}

/** Signs up through the form (as a new client address) and waits for the catalog. */
export async function signUp(page: Page, name: string, email: string, next?: string) {
  await asNewClient(page);
  await page.goto(next ? `/sign-up?next=${encodeURIComponent(next)}` : "/sign-up");
  await hydrated(page);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("viewer-name")).toHaveText(name);
}
