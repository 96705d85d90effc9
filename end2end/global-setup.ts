// `cargo leptos end-to-end` starts the server and the tests at the same moment: wait for it.
export default async function globalSetup() {
  const url = `${process.env.BASE_URL ?? "http://127.0.0.1:3000"}/readyz`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the server at ${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
