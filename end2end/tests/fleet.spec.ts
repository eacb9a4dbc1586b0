import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchErrors } from './helpers';

/** An API client made on the admin page: its token, shown once. */
async function makeClient(page: import('@playwright/test').Page, name: string, scopes: string): Promise<string> {
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Clientes API' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Clientes de la API');
  await hydrated(page);
  await page.getByLabel('Nombre').fill(name);
  await page.getByLabel('Permisos', { exact: true }).fill(scopes);
  await page.getByRole('button', { name: 'Crear cliente y token' }).click();
  const token = (await page.getByTestId('issued-token').locator('code').textContent())!.trim();
  expect(token).toMatch(/^vgt_[0-9a-f]{64}$/);
  // The list shows the client with the token's start only.
  const row = page.locator(`tr[data-client="${name}"]`);
  await expect(row).toContainText(scopes.split(',').join(', '));
  await expect(row).toContainText(token.slice(0, 12));
  await expect(row).not.toContainText(token);
  return token;
}

test('a monitor watches the fleet board change without reloading', async ({ browser, request }, testInfo) => {
  const adminPage = await (await browser.newContext()).newPage();
  const token = await makeClient(adminPage, `e2e-centro-${Date.now() % 100000}`, 'health:write');
  await adminPage.screenshot({ path: testInfo.outputPath('api-clients.png'), fullPage: true });

  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await signIn(page, 'monitor');
  // A monitor's navigation offers the fleet, not officer files.
  await expect(page.getByRole('link', { name: 'Agentes' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Flota' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Flota y cámaras');
  await hydrated(page);
  const counts = page.getByTestId('fleet-counts');
  await expect(counts.locator('[data-state="online"] strong')).not.toHaveText('0');
  await expect(page.getByTestId('fleet-table').locator('tbody tr')).toHaveCount(100);
  await page.screenshot({ path: testInfo.outputPath('fleet-board.png'), fullPage: true });

  // Only tampered cameras: PNC-1300's cabin is not among them yet.
  await page.getByLabel('Estado de cámara').selectOption('tamper');
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page).toHaveURL(/state=tamper/);
  const row = page.locator('tr[data-plate="PNC-1300"]');
  await expect(row).toHaveCount(0);

  // The control center reports a tampered camera; the open board shows it
  // at its next refresh, with no reload.
  const res = await request.post('/api/v1/ingest/heartbeats', {
    headers: { Authorization: `Bearer ${token}` },
    data: [{ vehicle: 'PNC-1300', camera: 'cabin', ts: new Date().toISOString(), status: 'tamper' }],
  });
  expect(res.status()).toBe(200);
  expect((await res.json()).accepted).toBe(1);
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row.locator('td [data-state="tamper"]')).toHaveText('manipulación');
  await page.screenshot({ path: testInfo.outputPath('fleet-board-tamper.png'), fullPage: true });

  // Only the cars with an officer on shift now: every row is marked so.
  await page.getByLabel('Estado de cámara').selectOption('');
  await page.getByLabel('Turno').selectOption('on');
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page).toHaveURL(/duty=on/);
  // Most of the demo's 1,300 cars are out at any hour: a full page.
  await expect(page.getByTestId('fleet-table').locator('tbody tr')).toHaveCount(100);
  await expect(page.getByTestId('fleet-table').getByTestId('on-shift')).toHaveCount(100);
  await expect(page.getByTestId('fleet-total')).toContainText('en turno ahora');

  // The crews' badges silent on shift: how many, and which cars (a monitor
  // is told how many, not whose). Minutes after the demo loads, some are:
  // its pings stop at the load, and a few badges were silent all shift.
  await expect(page.getByTestId('fleet-silent-badges')).toContainText('placas en silencio en turno');
  await page.getByTestId('fleet-silent-badges').click();
  await expect(page).toHaveURL(/badges=silent/);
  const rows = page.getByTestId('fleet-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  await expect(rows.locator('td[data-badges="silent"]')).toHaveCount(await rows.count());
  await expect(rows.locator('td[data-badges="silent"] a')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('fleet-board-badges-es.png'), fullPage: true });
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('fleet-silent-badges')).toContainText('badges silent on shift');
  await page.screenshot({ path: testInfo.outputPath('fleet-board-badges-en.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a token is refused once its client is disabled', async ({ page, request }) => {
  const name = `e2e-off-${Date.now() % 100000}`;
  const token = await makeClient(page, name, 'footage:write');
  const send = () => request.post('/api/v1/ingest/footage', {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' },
    data: '{"segment": "e2e-1", "vehicle": "PNC-0001"}\n',
  });
  const first = await send();
  expect(first.status()).toBe(200);
  expect((await first.json()).rejected[0].error).toBe('camera: missing');
  await page.locator(`tr[data-client="${name}"]`).getByRole('button', { name: 'Deshabilitar' }).click();
  await expect(page.locator(`tr[data-client="${name}"]`)).toContainText('deshabilitado');
  expect((await send()).status()).toBe(403);
});

test('an investigator follows the worst coverage to a vehicle and its crew', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.getByRole('link', { name: 'Flota' }).click();
  await page.getByTestId('coverage-link').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vacíos de cobertura de video');
  const worst = page.getByTestId('worst-vehicles').locator('tbody tr').first();
  const plate = (await worst.getAttribute('data-key'))!;
  expect(plate).toMatch(/^PNC-\d{4}$/);
  await expect(page.getByTestId('worst-officers').locator('tbody tr')).toHaveCount(20);
  await page.screenshot({ path: testInfo.outputPath('coverage-report.png'), fullPage: true });
  await worst.getByRole('link').click();
  await expect(page.getByTestId('vehicle-plate')).toHaveText(plate);
  await expect(page.getByTestId('vehicle-coverage')).toContainText('Cobertura de video durante los turnos de los últimos 7 días');
  const shifts = page.getByTestId('vehicle-shifts').locator('tbody tr');
  await expect(shifts.first()).toBeVisible();
  // The worst car has shifts with footage missing, and who rode in them.
  await expect(page.getByTestId('vehicle-shifts').locator('td.gap').first()).toBeVisible();
  await expect(shifts.first().locator('.crew a').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('vehicle.png'), fullPage: true });
  await hydrated(page);
  expect(errors).toEqual([]);
});

test('an investigator sees a car\'s two cameras side by side on a time axis', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.getByRole('link', { name: 'Video' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Video de las patrullas');
  await hydrated(page);
  // The last 12 hours, in Guatemala's time (UTC-6), as the fields take it.
  const local = (ms: number) => new Date(ms - 6 * 3600_000).toISOString().slice(0, 16);
  await page.getByLabel('Vehículo (placa)').fill('PNC-0005');
  await page.getByLabel('Desde').fill(local(Date.now() - 12 * 3600_000));
  await page.getByLabel('Hasta').fill(local(Date.now()));
  await page.getByRole('button', { name: 'Mostrar video' }).click();
  await expect(page).toHaveURL(/vehicle=PNC-0005/);
  const timeline = page.getByTestId('footage-timeline');
  await expect(timeline.locator('.lane')).toHaveCount(2);
  await expect(timeline.locator('[data-camera="PNC-0005-cabin"] .bar').first()).toBeVisible();
  await expect(timeline.locator('[data-camera="PNC-0005-forward"] .bar').first()).toBeVisible();
  const row = page.getByTestId('footage-table').locator('tbody tr').first();
  await expect(row).toContainText('s3://pnc-footage/');
  await expect(row.locator('code.sha')).toHaveText(/^[0-9a-f]{64}$/);
  await page.screenshot({ path: testInfo.outputPath('footage.png'), fullPage: false });
  expect(errors).toEqual([]);
});
