//! The document shell, the application frame (header, navigation, language
//! switch) and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
};

use crate::account::{who_am_i, ChangePasswordPage, SignInPage, SignOut, TotpPage};
use crate::admin::clients::ApiClientsPage;
use crate::admin::AccountsPage;
use crate::cases::intake::NewCasePage;
use crate::cases::{CaseFilePage, CasesPage, MinistryQueuePage};
use crate::fleet::board::FleetBoardPage;
use crate::fleet::sla::SlaPage;
use crate::fleet::vehicle::{CoverageReportPage, VehiclePage};
use crate::footage::FootagePage;
use crate::i18n::*;
use crate::identity::CurrentUser;
use crate::officers::forms::{EditOfficerPage, NewOfficerPage};
use crate::officers::import::ImportPage;
use crate::officers::{OfficerProfilePage, OfficersPage, UnitsPage};
use crate::status::StatusPage;
use crate::tracking::{NearPage, TrackPage};
use crate::trail::AuditTrailPage;

/// The deployment's tile server (`VIGIA_TILE_URL`), provided to each page
/// render by the server: the only place outside Vigía a page may load
/// images from.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct TileOrigin(pub String);

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy allows Leptos's inline scripts by
    // this request's nonce only.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let tiles = use_context::<TileOrigin>()
            .map(|o| format!(" {}", o.0))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:{tiles}; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&csp) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
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

/// The language cookie belongs to the whole site (without a path, the
/// browser scopes it to the page's folder, and a choice made on `/cases/…`
/// would not be seen on `/officers`, nor on reload beside an older one), and
/// it lasts a year: the choice is the person's, not the visit's.
fn language_cookie() -> leptos_i18n::context::CookieOptions<Locale> {
    const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
    leptos_use::UseCookieOptions::default()
        .path("/".to_string())
        .max_age(YEAR_MS)
        .same_site(leptos_use::SameSite::Lax)
}

/// The application: i18n context, frame and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <I18nContextProvider ssr_lang_header_getter=ignore_accept_language() cookie_options=language_cookie()>
            <Stylesheet id="leptos" href="/pkg/vigia.css"/>
            <Router>
                <Frame>
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=StatusPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/password") view=ChangePasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/totp") view=TotpPage ssr=SsrMode::Async/>
                        <Route path=path!("/accounts") view=AccountsPage ssr=SsrMode::Async/>
                        <Route path=path!("/audit") view=AuditTrailPage ssr=SsrMode::Async/>
                        <Route path=path!("/api-clients") view=ApiClientsPage ssr=SsrMode::Async/>
                        <Route path=path!("/fleet") view=FleetBoardPage ssr=SsrMode::Async/>
                        <Route path=path!("/footage") view=FootagePage ssr=SsrMode::Async/>
                        <Route path=path!("/fleet/coverage") view=CoverageReportPage ssr=SsrMode::Async/>
                        <Route path=path!("/fleet/sla") view=SlaPage ssr=SsrMode::Async/>
                        <Route path=path!("/fleet/vehicles/:plate") view=VehiclePage ssr=SsrMode::Async/>
                        <Route path=path!("/officers") view=OfficersPage ssr=SsrMode::Async/>
                        <Route path=path!("/officers/new") view=NewOfficerPage ssr=SsrMode::Async/>
                        <Route path=path!("/officers/:badge") view=OfficerProfilePage ssr=SsrMode::Async/>
                        <Route path=path!("/officers/:badge/edit") view=EditOfficerPage ssr=SsrMode::Async/>
                        <Route path=path!("/officers/:badge/track") view=TrackPage ssr=SsrMode::Async/>
                        <Route path=path!("/tracking/near") view=NearPage ssr=SsrMode::Async/>
                        <Route path=path!("/units") view=UnitsPage ssr=SsrMode::Async/>
                        <Route path=path!("/import") view=ImportPage ssr=SsrMode::Async/>
                        <Route path=path!("/cases") view=CasesPage ssr=SsrMode::Async/>
                        <Route path=path!("/cases/new") view=NewCasePage ssr=SsrMode::Async/>
                        <Route path=path!("/cases/:number") view=CaseFilePage ssr=SsrMode::Async/>
                        <Route path=path!("/ministry") view=MinistryQueuePage ssr=SsrMode::Async/>
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
    let me = Resource::new(|| (), |_| who_am_i());
    provide_context(me);
    // Links only to what the roles may see; the server decides all the same.
    // The links follow the policy's matrix, so a role sees what it may use.
    let may = move |action: crate::policy::Action| {
        me.get().and_then(Result::ok).flatten().is_some_and(|u| {
            u.roles
                .iter()
                .any(|r| crate::policy::role_allows(*r, action))
        })
    };
    use crate::policy::Action;
    let may_see_accounts = move || may(Action::ReadUsers);
    let may_see_api_clients = move || may(Action::ReadApiClients);
    let may_see_fleet = move || may(Action::ReadFleet);
    let may_see_footage = move || may(Action::ReadFootage);
    let may_see_tracks = move || may(Action::ReadTracks);
    let may_see_officers = move || may(Action::ReadOfficers);
    let may_import = move || may(Action::ImportRecords);
    let may_see_audit = move || may(Action::ReadAuditTrail);
    let may_see_cases = move || may(Action::ReadCases);
    let may_decide = move || may(Action::DecideCase);
    // The reader's own overdue cases, beside "Cases" (case readers only).
    let overdue = Resource::new(may_see_cases, |may| async move {
        if may {
            crate::cases::my_overdue_cases().await.unwrap_or(0)
        } else {
            0
        }
    });
    view! {
        // A plain string: with whole-page rendering the head is written after
        // the body, when a reactive title could no longer be read.
        <Title text=t_string!(i18n, app_name).to_string()/>
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                <span class="brand-name">{t!(i18n, app_name)}</span>
            </a>
            <nav class="mainnav" aria-label=move || t_string!(i18n, nav_label)>
                <A href="/">{t!(i18n, nav_status)}</A>
                <Transition fallback=|| ()>
                    {move || may_see_officers().then(|| view! {
                        <A href="/officers">{t!(i18n, nav_officers)}</A>
                        <A href="/units">{t!(i18n, nav_units)}</A>
                    })}
                    {move || may_see_cases().then(|| view! {
                        <A href="/cases">{t!(i18n, nav_cases)}
                            {move || overdue.get().filter(|n| *n > 0).map(|n| view! {
                                " " <span class="nav-count" data-testid="overdue-count"
                                    title=move || t_string!(i18n, nav_overdue_title)>{n}</span>
                            })}
                        </A>
                    })}
                    {move || may_decide().then(|| view! {
                        <A href="/ministry">{t!(i18n, nav_ministry_queue)}</A>
                    })}
                    {move || may_see_fleet().then(|| view! {
                        <A href="/fleet">{t!(i18n, nav_fleet)}</A>
                    })}
                    {move || may_see_footage().then(|| view! {
                        <A href="/footage">{t!(i18n, nav_footage)}</A>
                    })}
                    {move || may_see_tracks().then(|| view! {
                        <A href="/tracking/near">{t!(i18n, nav_tracking)}</A>
                    })}
                    {move || may_import().then(|| view! {
                        <A href="/import">{t!(i18n, nav_import)}</A>
                    })}
                    {move || may_see_accounts().then(|| view! {
                        <A href="/accounts">{t!(i18n, nav_accounts)}</A>
                    })}
                    {move || may_see_api_clients().then(|| view! {
                        <A href="/api-clients">{t!(i18n, nav_api_clients)}</A>
                    })}
                    {move || may_see_audit().then(|| view! {
                        <A href="/audit">{t!(i18n, nav_audit)}</A>
                    })}
                </Transition>
            </nav>
            <LanguageSwitch/>
            <Account/>
        </header>
        <main id="main" tabindex="-1"><AccountNotices/>{children()}</main>
        <footer class="footer">
            <span>{t!(i18n, footer_text)}</span>
        </footer>
    }
}

/// Who is signed in, and the way out; or the way in.
#[component]
fn Account() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<Resource<Result<Option<CurrentUser>, crate::error::AppError>>>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) => view! { <SignedIn user/> }.into_any(),
                    _ => view! {
                        <a class="account-link" href="/sign-in" data-testid="sign-in-link">{t!(i18n, sign_in_link)}</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What an administrator did to the signed-in account (a reset), until its
/// owner sets a new password or second factor.
#[component]
fn AccountNotices() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<Resource<Result<Option<CurrentUser>, crate::error::AppError>>>();
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(Result::ok).flatten().map(|user| {
                user.notices.into_iter().map(|n| {
                    // The console's operator is named in the reader's language.
                    let by = if n.by == "operator" {
                        t_string!(i18n, notice_by_operator).to_string()
                    } else {
                        n.by.clone()
                    };
                    let at = n.at.clone();
                    let text = match n.what {
                        crate::identity::ResetKind::Password => t!(i18n, notice_password_reset, by = move || by.clone(), at = move || at.clone()).into_any(),
                        crate::identity::ResetKind::SecondFactor => t!(i18n, notice_totp_reset, by = move || by.clone(), at = move || at.clone()).into_any(),
                    };
                    view! { <p class="notice warn" role="status" data-testid="account-notice">{text}</p> }
                }).collect_view()
            })}
        </Transition>
    }
}

#[component]
fn SignedIn(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            if window().location().set_href("/sign-in").is_err() {
                leptos::logging::warn!("could not leave the page after signing out");
            }
        }
    });
    let codes = user
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let held = user.roles.clone();
    // The roles' names in the reader's language (they follow a change of it).
    let roles = move || {
        held.iter()
            .map(|r| crate::admin::role_label(i18n, *r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = roles.clone();
    view! {
        <div class="account" data-testid="account">
            <span class="account-name" title=title>{user.display_name.clone()}</span>
            <span class="account-roles" data-testid="account-roles" data-roles=codes>{roles}</span>
            {user.must_change_password.then(|| view! {
                <a class="account-warning" href="/account/password">{t!(i18n, must_change_password)}</a>
            })}
            {user.must_enroll_totp.then(|| view! {
                <a class="account-warning" href="/account/totp" data-testid="must-enroll-totp">{t!(i18n, must_enroll_totp)}</a>
            })}
            <a class="account-link" href="/account/password">{t!(i18n, change_password_link)}</a>
            <a class="account-link" href="/account/totp">{t!(i18n, totp_link)}</a>
            <ActionForm action=sign_out>
                <button type="submit" class="link-button" data-testid="sign-out">{t!(i18n, sign_out_button)}</button>
            </ActionForm>
        </div>
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
