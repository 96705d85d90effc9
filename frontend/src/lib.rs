//! The browser entry point: installs the panic hook and hydrates the server-rendered page.

// Leptos view types nest deeply; the release wasm build needs more room than the default 128.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
