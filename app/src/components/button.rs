//! The primary button, the indigo call to action, in one place: [`PrimaryButton`] submits or
//! acts, [`PrimaryLink`] goes somewhere. Pages choose its size and layout; its look lives here.
//! Attributes and handlers given to either (`attr:data-testid`, `on:click`) land on the element.

use leptos::prelude::*;
use leptos_router::components::A;

/// Colour, shape and text every primary button shares.
const LOOK: &str = "rounded-md bg-indigo-600 text-sm text-white";
const HOVER: &str = "hover:bg-indigo-500";
const RAISED: &str = "shadow-sm";
const FOCUS_RING: &str = "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2";
/// A full-width button with its label centred, as forms end with.
const BLOCK: &str = "inline-flex w-full items-center justify-center";
const DIMMED_WHEN_DISABLED: &str = "disabled:opacity-60";

/// Padding and weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Size {
    /// A form's or a page's main action.
    #[default]
    Regular,
    /// Beside other controls (a header, a filter bar).
    Compact,
    /// Regular padding with lighter text, for a page's one way out.
    Quiet,
}

impl Size {
    fn classes(self) -> &'static str {
        match self {
            Self::Regular => "px-4 py-2 font-semibold",
            Self::Compact => "px-3 py-1.5 font-medium",
            Self::Quiet => "px-4 py-2 font-medium",
        }
    }
}

/// How a primary button looks, as classes; `class` adds the caller's layout (margins, width).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub size: Size,
    pub block: bool,
    pub raised: bool,
    pub focus_ring: bool,
    pub hover: bool,
    pub can_disable: bool,
    pub class: &'static str,
}

impl Style {
    pub fn classes(self) -> String {
        [
            self.class,
            if self.block { BLOCK } else { "" },
            LOOK,
            self.size.classes(),
            if self.raised { RAISED } else { "" },
            if self.hover { HOVER } else { "" },
            if self.focus_ring { FOCUS_RING } else { "" },
            if self.can_disable {
                DIMMED_WHEN_DISABLED
            } else {
                ""
            },
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// A primary `<button>` (`kind` is its `type`: `submit` by default, or `button`). With
/// `disabled` it can be switched off (and then dims).
#[component]
#[allow(clippy::too_many_arguments)]
pub fn PrimaryButton(
    #[prop(optional)] size: Size,
    /// Full width, label centred.
    #[prop(optional)]
    block: bool,
    #[prop(optional)] raised: bool,
    #[prop(optional)] focus_ring: bool,
    /// Leave out the hover colour (a button only shown without JavaScript).
    #[prop(optional)]
    no_hover: bool,
    #[prop(optional, into)] disabled: Option<Signal<bool>>,
    #[prop(default = "submit")] kind: &'static str,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let class = Style {
        size,
        block,
        raised,
        focus_ring,
        hover: !no_hover,
        can_disable: disabled.is_some(),
        class,
    }
    .classes();
    let disabled = move || disabled.is_some_and(|d| d.get());
    view! {
        <button type=kind class=class disabled=disabled>
            {children()}
        </button>
    }
}

/// A link that looks like a primary button.
#[component]
pub fn PrimaryLink(
    #[prop(into)] href: String,
    #[prop(optional)] size: Size,
    /// Full width, label centred.
    #[prop(optional)]
    block: bool,
    #[prop(optional)] raised: bool,
    #[prop(optional)] focus_ring: bool,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    let class = Style {
        size,
        block,
        raised,
        focus_ring,
        hover: true,
        can_disable: false,
        class,
    }
    .classes();
    view! {
        <A href=href attr:class=class>
            {children()}
        </A>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(classes: &str) -> std::collections::BTreeSet<&str> {
        classes.split_whitespace().collect()
    }

    const PLAIN: Style = Style {
        size: Size::Regular,
        block: false,
        raised: false,
        focus_ring: false,
        hover: true,
        can_disable: false,
        class: "",
    };

    #[test]
    fn a_form_submit_has_the_classes_the_pages_had() {
        let submit = Style {
            block: true,
            raised: true,
            focus_ring: true,
            can_disable: true,
            ..PLAIN
        };
        assert_eq!(
            set(&submit.classes()),
            set(
                "inline-flex w-full items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:opacity-60"
            )
        );
    }

    /// The element the pages' Playwright tests find: its `type`, the spread `data-testid`, the
    /// `disabled` attribute only while disabled, and the classes.
    #[cfg(feature = "ssr")]
    #[test]
    fn a_button_renders_its_attributes_and_classes() {
        let owner = Owner::new();
        owner.with(|| {
            let pending = RwSignal::new(true);
            let html = view! {
                <PrimaryButton kind="button" block=true attr:data-testid="go" disabled=move || pending.get()>
                    "Go"
                </PrimaryButton>
            }
            .to_html();
            assert!(html.starts_with("<button"), "{html}");
            assert!(html.contains(r#"type="button""#), "{html}");
            assert!(html.contains(r#"data-testid="go""#), "{html}");
            assert!(html.contains("disabled"), "{html}");
            assert!(html.contains("disabled:opacity-60"), "{html}");
            assert!(html.contains(">Go<"), "{html}");

            let plain = view! { <PrimaryButton size=Size::Compact>"Filter"</PrimaryButton> }.to_html();
            assert!(plain.contains(r#"type="submit""#), "{plain}");
            assert!(!plain.contains("disabled"), "{plain}");
            assert_eq!(
                set(plain.split('"').nth(3).unwrap_or_default()),
                set("rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"),
                "{plain}"
            );
        });
    }

    #[test]
    fn a_sign_in_link_and_a_compact_button_have_the_classes_the_pages_had() {
        let link = Style {
            class: "mt-4 inline-block",
            ..PLAIN
        };
        assert_eq!(
            set(&link.classes()),
            set(
                "mt-4 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
            )
        );
        let compact = Style {
            size: Size::Compact,
            hover: false,
            class: "mt-2",
            ..PLAIN
        };
        assert_eq!(
            set(&compact.classes()),
            set("mt-2 rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white")
        );
    }
}
