//! The Connect UI bridge, in Rust for the browser: opens Nango's Connect UI in an iframe the way
//! `@nangohq/frontend` does (docs/nango.md, "Connect UI (postMessage)") and speaks its postMessage
//! protocol: events are accepted only from Connect UI's origin, the session token is posted after
//! `ready`, and on `close` the iframe is removed and scrolling restored.

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{HtmlIFrameElement, MessageEvent};

/// What Connect UI tells the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectEvent {
    Ready,
    Connect {
        provider_config_key: String,
        connection_id: String,
    },
    Error {
        error_type: String,
        message: String,
    },
    Close,
}

struct Inner {
    iframe: HtmlIFrameElement,
    origin: String,
    ready: bool,
    token: Option<String>,
    listener: Option<Closure<dyn FnMut(MessageEvent)>>,
}

/// An open Connect UI. Dropping the handle does not close it; `close` does.
#[derive(Clone)]
pub struct ConnectUi {
    inner: Rc<RefCell<Inner>>,
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

fn parse(data: &JsValue) -> Option<ConnectEvent> {
    if !data.is_object() {
        return None;
    }
    let payload =
        js_sys::Reflect::get(data, &JsValue::from_str("payload")).unwrap_or(JsValue::UNDEFINED);
    match text(data, "type")?.as_str() {
        "ready" => Some(ConnectEvent::Ready),
        "close" => Some(ConnectEvent::Close),
        "connect" => Some(ConnectEvent::Connect {
            provider_config_key: text(&payload, "providerConfigKey")?,
            connection_id: text(&payload, "connectionId")?,
        }),
        "error" => Some(ConnectEvent::Error {
            error_type: text(&payload, "errorType").unwrap_or_else(|| "unknown_error".to_owned()),
            message: text(&payload, "errorMessage")
                .unwrap_or_else(|| "The connection could not be made.".to_owned()),
        }),
        _ => None,
    }
}

impl ConnectUi {
    /// Opens Connect UI at `base_url`, talking to Nango's API at `api_url`; `on_event` hears
    /// every accepted event (after the bridge has handled `ready` and `close` itself).
    pub fn open(
        base_url: &str,
        api_url: &str,
        on_event: impl Fn(ConnectEvent) + 'static,
    ) -> Result<Self, String> {
        let window = web_sys::window().ok_or("no window")?;
        let document = window.document().ok_or("no document")?;
        let body = document.body().ok_or("no body")?;
        let base = if base_url.ends_with('/') {
            base_url.to_owned()
        } else {
            format!("{base_url}/")
        };
        let url = web_sys::Url::new(&base).map_err(|_| format!("{base} is not a URL"))?;
        url.search_params().append("apiURL", api_url);
        let origin = url.origin();
        let iframe: HtmlIFrameElement = document
            .create_element("iframe")
            .map_err(|_| "cannot create the iframe")?
            .dyn_into()
            .map_err(|_| "not an iframe")?;
        iframe.set_id("connect-ui");
        let _ = iframe.set_attribute("allow", "clipboard-write");
        let _ = iframe.set_attribute("title", "Connect an account");
        let _ = iframe.set_attribute(
            "style",
            "position:fixed;z-index:9999;top:0;left:0;right:0;bottom:0;width:100vw;height:100vh;border:none;background-color:transparent",
        );
        iframe.set_src(&url.href());
        body.append_child(&iframe)
            .map_err(|_| "cannot add the iframe")?;
        let _ = body.style().set_property("overflow", "hidden");

        let ui = Self {
            inner: Rc::new(RefCell::new(Inner {
                iframe,
                origin,
                ready: false,
                token: None,
                listener: None,
            })),
        };
        let handle = ui.clone();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if event.origin() != handle.inner.borrow().origin {
                return;
            }
            let Some(parsed) = parse(&event.data()) else {
                return;
            };
            match parsed {
                ConnectEvent::Ready => {
                    handle.inner.borrow_mut().ready = true;
                    handle.post_token();
                }
                ConnectEvent::Close => handle.close(),
                _ => {}
            }
            on_event(parsed);
        });
        window
            .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
            .map_err(|_| "cannot listen for messages")?;
        ui.inner.borrow_mut().listener = Some(listener);
        Ok(ui)
    }

    /// Hands Connect UI its session token (now if it is ready, else when it says `ready`).
    pub fn set_session_token(&self, token: String) {
        self.inner.borrow_mut().token = Some(token);
        self.post_token();
    }

    fn post_token(&self) {
        let inner = self.inner.borrow();
        let (true, Some(token)) = (inner.ready, inner.token.as_ref()) else {
            return;
        };
        let Some(target) = inner.iframe.content_window() else {
            return;
        };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"session_token".into());
        let _ = js_sys::Reflect::set(&message, &"sessionToken".into(), &JsValue::from_str(token));
        // Only Connect UI's own origin may read the token: were the iframe navigated elsewhere,
        // the browser drops the message instead of handing the token over.
        let _ = target.post_message(&message, &inner.origin);
    }

    /// Removes the iframe and the listener and restores scrolling.
    pub fn close(&self) {
        let mut inner = self.inner.borrow_mut();
        if let (Some(window), Some(listener)) = (web_sys::window(), inner.listener.take()) {
            let _ = window
                .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            // The closure may be running right now (a `close` event): free it afterwards.
            listener.forget();
        }
        inner.iframe.remove();
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.style().remove_property("overflow");
        }
    }
}
