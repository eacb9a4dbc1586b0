import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchErrors } from './helpers';

// The demo's PNC-0001 crews wear badges that fall silent for 40 minutes every
// shift (server/src/demo/pings.rs): a gap to find on their tracks.
test('an investigator opens a track, sees the map and a marked gap, and asks who was near', async ({ browser }, testInfo) => {
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  // From the car to a crew member's file, and the file's link to the track.
  await page.goto('/fleet/vehicles/PNC-0001');
  const crew = page.getByTestId('vehicle-shifts').locator('.crew a').first();
  await expect(crew).toBeVisible();
  await crew.click();
  await expect(page.getByTestId('officer-badge')).toBeVisible();
  const badge = (await page.getByTestId('officer-badge').textContent())!.trim();
  await expect(page.getByTestId('track-link')).toBeVisible();
  await page.getByTestId('track-link').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(badge);

  // The last 7 days: every shift of the week, each with its gap.
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const to = new Date().toISOString();
  await page.goto(`/officers/${badge}/track?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  await hydrated(page);
  const map = page.getByTestId('track-map');
  await expect(map).toBeVisible();
  await expect(map.locator('path.dept').first()).toBeAttached();
  await expect(map.locator('polyline.trk').first()).toBeAttached();
  await expect(page.getByTestId('track-axis').getByTestId('axis-gap').first()).toBeAttached();
  await expect(page.getByTestId('track-gaps').locator('tbody tr').first()).toBeVisible();
  await expect(page.getByTestId('track-summary')).toContainText('posiciones');
  await page.screenshot({ path: testInfo.outputPath('track-es.png'), fullPage: true });

  // Who was near the track's last position, an hour either side of it.
  const end = page.getByTestId('track-end');
  const [lat, lon, ms] = await Promise.all(['data-lat', 'data-lon', 'data-ms'].map((a) => end.getAttribute(a)));
  const around = (d: number) => encodeURIComponent(new Date(Number(ms) + d).toISOString());
  await page.getByRole('navigation').getByRole('link', { name: 'Rastreo de placas' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Quién estuvo cerca de un lugar');
  await hydrated(page);
  // A click on the map chooses the place.
  await page.getByTestId('near-map').click({ position: { x: 300, y: 200 } });
  await expect(page.getByTestId('near-lat')).toHaveValue(/^1[3-8]\.\d{5}$/);
  await expect(page.getByTestId('near-lon')).toHaveValue(/^-(8[89]|9[0-2])\.\d{5}$/);
  await page.goto(`/tracking/near?lat=${lat}&lon=${lon}&radius=250&from=${around(-3_600_000)}&to=${around(3_600_000)}`);
  const row = page.getByTestId('near-table').locator(`tr[data-badge="${badge}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('near-track-link')).toHaveAttribute('href', new RegExp(`/officers/${badge}/track\\?from=`));
  await page.screenshot({ path: testInfo.outputPath('near-es.png'), fullPage: true });
  expect(errors).toEqual([]);

  // The auditor finds both reads in the audit trail.
  const auditor = await (await browser.newContext()).newPage();
  await signIn(auditor, 'auditor');
  for (const action of ['track.read', 'tracking.near_read']) {
    await auditor.goto(`/audit?action=${action}`);
    await expect(auditor.locator(`tr[data-action="${action}"]`).first()).toBeVisible();
    await expect(auditor.locator(`tr[data-action="${action}"]`, { hasText: 'e2e-investigator' }).first()).toBeVisible();
  }
  await auditor.screenshot({ path: testInfo.outputPath('audit-track-reads.png'), fullPage: true });
});

test('a ministry official and a monitor are not offered tracks, and are refused them', async ({ page }) => {
  await signIn(page, 'ministry');
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Rastreo de placas' })).toHaveCount(0);
  const res = await page.request.post('/rpc/tracking_map', { headers: { origin: new URL(page.url()).origin } });
  expect(res.status()).toBe(403);
});
