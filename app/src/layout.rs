//! The document shell, the application frame (header, navigation, language
//! switch) and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};

use crate::i18n::*;
use crate::status::StatusPage;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Spanish unless the person chose English with the switch (a cookie keeps
/// the choice). The browser's Accept-Language is deliberately not used:
/// Vigía's users work in Spanish whatever their browser says.
fn ignore_accept_language() -> leptos_use::UseLocalesOptions {
    leptos_use::UseLocalesOptions::default().ssr_lang_header_getter(|| None)
}

/// The application: i18n context, frame and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <I18nContextProvider ssr_lang_header_getter=ignore_accept_language()>
            <Stylesheet id="leptos" href="/pkg/vigia.css"/>
            <Router>
                <Frame>
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=StatusPage/>
                    </Routes>
                </Frame>
            </Router>
        </I18nContextProvider>
    }
}

/// Header, navigation and the main landmark around every page.
#[component]
fn Frame(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, app_name).to_string()/>
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                <span class="brand-name">{t!(i18n, app_name)}</span>
            </a>
            <nav class="mainnav" aria-label=move || t_string!(i18n, nav_label)>
                <A href="/">{t!(i18n, nav_status)}</A>
            </nav>
            <LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="footer">
            <span>{t!(i18n, footer_text)}</span>
        </footer>
    }
}

/// Switches between Spanish and English. The choice is kept in a cookie and
/// applies at once, without a reload.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.get_locale() {
        Locale::es => Locale::en,
        Locale::en => Locale::es,
    };
    view! {
        <button
            type="button"
            class="lang-switch"
            data-testid="lang-switch"
            lang=move || other().as_str()
            aria-label=move || t_string!(i18n, switch_language_label)
            on:click=move |_| i18n.set_locale(other())
        >
            {t!(i18n, switch_language)}
        </button>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="page">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <p><a href="/">{t!(i18n, nav_status)}</a></p>
        </section>
    }
}
