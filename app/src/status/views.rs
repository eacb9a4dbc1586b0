//! The pages.

use super::*;

#[component]
pub fn StatusPage() -> impl IntoView {
    let i18n = use_i18n();
    let status = Resource::new(|| (), |_| get_status());

    view! {
        <section class="page" aria-labelledby="status-title">
            <h1 id="status-title">{t!(i18n, status_title)}</h1>
            <p class="lede">{t!(i18n, status_intro)}</p>
            <Suspense fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <StatusBody status=s/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! {
                            <p class="notice" role="status">
                                {t!(i18n, sign_in_needed)} " "
                                <a href="/sign-in">{t!(i18n, sign_in_link)}</a>
                            </p>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert">{t!(i18n, status_error)} " " {move || e.message(i18n.get_locale())}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StatusBody(status: SystemStatus) -> impl IntoView {
    let i18n = use_i18n();
    let card = move |key: &'static str, label: AnyView, n: i64| {
        view! {
            <div class="stat" data-count=key>
                <dt>{label}</dt>
                <dd class="stat-value">{crate::format::format_count(n)}</dd>
            </div>
        }
    };
    view! {
        <dl class="stats">
            {card("regions", t!(i18n, count_regions).into_any(), status.regions)}
            {card("stations", t!(i18n, count_stations).into_any(), status.stations)}
            {card("officers", t!(i18n, count_officers).into_any(), status.officers)}
            {card("vehicles", t!(i18n, count_vehicles).into_any(), status.vehicles)}
            {card("cameras", t!(i18n, count_cameras).into_any(), status.cameras)}
            {card("badges", t!(i18n, count_badges).into_any(), status.badges)}
        </dl>
        <h2>{t!(i18n, system_heading)}</h2>
        <dl class="facts">
            <dt>{t!(i18n, database_label)}</dt>
            <dd data-testid="backend">{status.backend.clone()} {status.backend_version.clone().map(|v| format!(" {v}"))}</dd>
            <dt>{t!(i18n, version_label)}</dt>
            <dd data-testid="app-version">{status.app_version.clone()}</dd>
        </dl>
    }
}
