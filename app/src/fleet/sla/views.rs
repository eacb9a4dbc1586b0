//! The pages.

use super::*;

/// `/fleet/sla`: the month's uptime against the contract's target.
#[component]
pub fn SlaPage() -> impl IntoView {
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let report = Resource::new(move || query.with(|q| q.get("month")), sla_report);
    view! {
        <section class="page" aria-labelledby="sla-title">
            <p><a href="/fleet">{t!(i18n, back_to_fleet)}</a></p>
            <h1 id="sla-title">{t!(i18n, sla_title)}</h1>
            <p class="lede">{t!(i18n, sla_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => sla_view(r).into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn sla_view(r: SlaView) -> impl IntoView {
    let i18n = use_i18n();
    let (target, fleet, month) = (r.target, r.fleet.percent, r.month.clone());
    let below_n = r.below_total;
    // Horizontal bars, one per region, on a 0–100 % scale with the target.
    let row_h = 22.0;
    let height = row_h * r.regions.len() as f64 + 24.0;
    let x = |p: f64| 160.0 + p.clamp(0.0, 100.0) * 5.6;
    view! {
        <p class="days-switch">
            {r.months.iter().map(|m| if *m == r.month {
                view! { <strong aria-current="true">{m.clone()}</strong> }.into_any()
            } else {
                view! { <a href=format!("/fleet/sla?month={m}")>{m.clone()}</a> }.into_any()
            }).collect_view()}
            <a href=format!("/fleet/sla.csv?month={}", r.month) rel="external" data-testid="sla-csv">{t!(i18n, sla_csv)}</a>
        </p>
        <p class="muted" data-testid="computed-at">{t!(i18n, report_computed_at)} " " {r.at_local.clone()}</p>
        <p class="coverage-total" data-testid="sla-fleet">
            {t!(i18n, sla_fleet_total, month = move || month.clone(), percent = move || format!("{fleet:.1}"), target = move || format!("{target:.1}"))}
        </p>
        <svg class="sla-chart" viewBox=format!("0 0 800 {height}") role="img" aria-label=move || t_string!(i18n, sla_chart) data-testid="sla-chart">
            {r.regions.iter().enumerate().map(|(i, l)| {
                let y = 4.0 + i as f64 * row_h;
                let class = if l.percent < target { "bar below" } else { "bar" };
                view! {
                    <text x="152" y=format!("{:.1}", y + 14.0) text-anchor="end" class="label">{l.label.clone()}</text>
                    <rect class=class x="160" y=format!("{y:.1}") width=format!("{:.1}", x(l.percent) - 160.0) height="16"></rect>
                    <text x="796" y=format!("{:.1}", y + 13.0) text-anchor="end" class="value">{format!("{:.1} %", l.percent)}</text>
                }
            }).collect_view()}
            <line class="target" x1=format!("{:.1}", x(target)) x2=format!("{:.1}", x(target)) y1="0" y2=format!("{:.1}", height - 18.0)></line>
            <text class="target-label" x=format!("{:.1}", x(target)) y=format!("{:.1}", height - 4.0) text-anchor="middle">{format!("{target:.0} %")}</text>
        </svg>
        <h2>{t!(i18n, sla_below_title, count = move || below_n)}</h2>
        {(below_n > BELOW_SHOWN as i64).then(|| view! { <p class="muted">{t!(i18n, sla_below_more)}</p> })}
        <table class="table" data-testid="sla-below">
            <thead><tr>
                <th scope="col">{t!(i18n, footage_camera)}</th>
                <th scope="col">{t!(i18n, sla_hours)}</th>
                <th scope="col">{t!(i18n, sla_uptime)}</th>
            </tr></thead>
            <tbody>
                {r.below.into_iter().take(BELOW_SHOWN).map(|l| view! {
                    <tr data-key=l.key.clone()>
                        <td><a href=format!("/fleet/vehicles/{}", l.label)>{l.key.clone()}</a></td>
                        <td>{format!("{:.1}", l.expected_ms as f64 / 3_600_000.0)}</td>
                        <td>{format!("{:.1} %", l.percent)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
