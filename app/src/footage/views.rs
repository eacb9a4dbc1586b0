//! The pages.

use super::*;

/// `/footage?officer=10417&from=…&to=…` (or `vehicle=PNC-0451`).
#[component]
pub fn FootagePage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let verify = ServerAction::<VerifySegment>::new();
    let listing = Resource::new(
        move || query.get(),
        |q| async move {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            match get("from") {
                None => None,
                Some(from) => Some(
                    list_footage(
                        get("officer"),
                        get("vehicle"),
                        from,
                        get("to").unwrap_or_default(),
                    )
                    .await,
                ),
            }
        },
    );
    view! {
        <section class="page" aria-labelledby="footage-title">
            <h1 id="footage-title">{t!(i18n, footage_title)}</h1>
            <p class="lede">{t!(i18n, footage_intro)}</p>
            <Form method="GET" action="" attr:class="filters">
                <label>{t!(i18n, footage_officer)}<input name="officer" value=move || param("officer") placeholder="10417"/></label>
                <label>{t!(i18n, footage_vehicle)}<input name="vehicle" value=move || param("vehicle") placeholder="PNC-0451"/></label>
                <label>{t!(i18n, footage_from)}<input name="from" type="datetime-local" value=move || param("from") required/></label>
                <label>{t!(i18n, footage_to)}<input name="to" type="datetime-local" value=move || param("to") required/></label>
                <button type="submit" class="primary">{t!(i18n, footage_show)}</button>
            </Form>
            <ActionForm action=verify attr:class="filters">
                <label>{t!(i18n, footage_verify_segment)}<input name="segment" required size="36"/></label>
                <button type="submit">{t!(i18n, footage_verify)}</button>
            </ActionForm>
            {move || verify.value().get().map(|r| match r {
                Ok(v) => view! {
                    <p class=if v.result == VerifyResult::Match { "notice ok" } else { "notice bad" } role="status" data-testid="verify-result" data-result=v.result.as_str()>
                        <strong>{v.segment.clone()}</strong> ": " {move || v.result.label(i18n.get_locale())} " "
                        {v.computed.clone().map(|sha| view! { <code>{sha}</code> })}
                        {v.detail.clone().map(|p| move || format!("({})", p.message(i18n.get_locale())))}
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
            })}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match listing.await {
                        None => view! { <p class="muted">{t!(i18n, footage_hint)}</p> }.into_any(),
                        Some(Ok(v)) => footage_view(v).into_any(),
                        Some(Err(e)) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn footage_view(v: FootageView) -> impl IntoView {
    let i18n = use_i18n();
    let span = (v.to_ms - v.from_ms).max(1) as f64;
    let total = v.segments;
    let lanes = v.lanes.clone();
    let may_open_case = v.may_open_case;
    view! {
        <p class="muted" data-testid="footage-total">{t!(i18n, footage_total, count = move || total)}</p>
        // The time axis: each camera a lane, each segment a bar.
        <div class="timeline" data-testid="footage-timeline" role="img" aria-label=move || t_string!(i18n, footage_timeline)>
            {v.lanes.iter().map(|l| {
                let label = format!("{} · {}", l.plate, placement_label(i18n, &l.placement));
                view! {
                    <div class="lane" data-camera=format!("{}-{}", l.plate, l.placement)>
                        <span class="lane-label">{label}</span>
                        // SVG, whose geometry is attributes: the page's policy
                        // allows no inline styles.
                        <svg class="lane-track" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
                            {l.segments.iter().map(|s| {
                                let x = ((s.from_ms.max(v.from_ms) - v.from_ms) as f64 / span * 1000.0).max(0.0);
                                let w = ((s.to_ms.min(v.to_ms) - s.from_ms.max(v.from_ms)) as f64 / span * 1000.0).max(1.0);
                                view! { <rect class="bar" x=format!("{x:.2}") y="0" width=format!("{w:.2}") height="20"><title>{s.segment.clone()}</title></rect> }
                            }).collect_view()}
                        </svg>
                    </div>
                }
            }).collect_view()}
            <div class="axis"><span>{v.from.clone()}</span><span>{v.to.clone()}</span></div>
        </div>
        <table class="table footage" data-testid="footage-table">
            <thead><tr>
                <th scope="col">{t!(i18n, footage_camera)}</th>
                <th scope="col">{t!(i18n, footage_start)}</th>
                <th scope="col">{t!(i18n, footage_duration)}</th>
                <th scope="col">{t!(i18n, footage_size)}</th>
                <th scope="col">"URI"</th>
                <th scope="col">"SHA-256"</th>
                <th scope="col">{t!(i18n, footage_checked)}</th>
                {v.may_open_case.then(|| view! { <th scope="col"><span class="sr-only">{t!(i18n, case_open_from_test)}</span></th> })}
            </tr></thead>
            <tbody>
                {lanes.into_iter().flat_map(|l| {
                    let (plate, placement) = (l.plate.clone(), placement_label(i18n, &l.placement));
                    l.segments.into_iter().map(move |s| view! {
                        <tr data-segment=s.segment.clone()>
                            <td class="nowrap">{format!("{plate} · {placement}")}</td>
                            <td class="nowrap">{s.start.clone()}
                                {s.late.then(|| view! { " " <span class="badge warn" data-testid="late" title=move || t_string!(i18n, footage_late_title)>{t!(i18n, footage_late)}</span> })}
                            </td>
                            <td>{format!("{} s", (s.to_ms - s.from_ms) / 1000)}</td>
                            <td class="nowrap">{format!("{:.1} MB", s.bytes as f64 / 1_000_000.0)}</td>
                            <td><code class="uri">{s.uri.clone()}</code></td>
                            <td><code class="sha">{s.sha256.clone()}</code></td>
                            <td>{s.verified.clone().unwrap_or_else(|| "—".into())}</td>
                            {may_open_case.then(|| {
                                let title = format!("{}: {plate} · {placement} {}", t_string!(i18n, case_from_footage), s.start);
                                let summary = format!("{} {} ({} → {})", t_string!(i18n, footage_segment_label), s.segment, s.start, s.end);
                                let why = t_string!(i18n, case_evidence_from_segment).to_string();
                                let href = crate::cases::intake::intake_href(&[
                                    ("origin", "camera_review"), ("title", title.as_str()), ("summary", summary.as_str()),
                                    ("segment", s.segment.as_str()), ("evidence_reason", why.as_str()),
                                ]);
                                view! { <td><a href=href data-testid="case-from-segment">{t!(i18n, case_open_from_test)}</a></td> }
                            })}
                        </tr>
                    })
                }).collect_view()}
            </tbody>
        </table>
    }
}
