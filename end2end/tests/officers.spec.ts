import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchErrors } from './helpers';

test('an investigator finds an officer by part of an accented name and opens the file', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.getByRole('navigation').getByRole('link', { name: 'Agentes' }).click();
  await expect(page.getByTestId('officers-total')).toHaveText('4,000 agentes');

  // Typed without the accent: "Xicara" finds "Xicará".
  await page.getByLabel('Nombre o número de placa').fill('xicara');
  await page.getByRole('button', { name: 'Buscar' }).click();
  await expect(page).toHaveURL(/q=xicara/);
  const rows = page.locator('[data-testid="officers"] tbody tr');
  await expect(rows.first()).toContainText('Xicará');
  await page.screenshot({ path: testInfo.outputPath('officers-search.png'), fullPage: true });

  const badge = await rows.first().getAttribute('data-badge');
  await rows.first().getByRole('link').click();
  await expect(page.getByTestId('officer-badge')).toHaveText(badge!);
  await expect(page.getByTestId('officer-name')).toContainText('Xicará');
  await expect(page.getByTestId('national-id')).toContainText('•••• •••••');
  await page.screenshot({ path: testInfo.outputPath('officer-profile.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the units page lists the 22 regions with their stations', async ({ page }, testInfo) => {
  await signIn(page, 'auditor');
  await page.goto('/units');
  await expect(page.locator('[data-testid="units"] > li')).toHaveCount(22);
  await page.locator('li[data-unit="13"] summary').click();
  await expect(page.locator('li[data-unit="13-02"]')).toContainText('Chiantla');
  await page.screenshot({ path: testInfo.outputPath('units.png'), fullPage: true });

  // Auditors read officer files but are offered nothing that writes.
  await page.locator('li[data-unit="13-02"] a').click();
  await page.locator('[data-testid="officers"] tbody tr a').first().click();
  await expect(page.getByTestId('officer-badge')).toBeVisible();
  await expect(page.getByTestId('status-form')).toHaveCount(0);
});

test('a monitor has no officer files', async ({ page }) => {
  await signIn(page, 'monitor');
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Agentes' })).toHaveCount(0);
  await page.goto('/officers');
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.locator('[data-testid="officers"]')).toHaveCount(0);
});

test('an investigator records a retirement, with the reason, from the officer file; dismissals and suspensions are not offered', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/officers?status=active&sort=badge');
  const first = page.locator('[data-testid="officers"] tbody tr').first();
  const badge = await first.getAttribute('data-badge');
  await first.getByRole('link').click();
  await expect(page.getByTestId('officer-badge')).toHaveText(badge!);
  await hydrated(page);

  // Dismissals and suspensions come from the ministry's decisions on cases.
  await expect(page.locator('#new-status option[value="dismissed"]')).toHaveCount(0);
  await expect(page.locator('#new-status option[value="suspended"]')).toHaveCount(0);
  await page.getByLabel('Situación').selectOption('retired');
  await page.getByLabel('Desde (fecha)').fill('2999-01-01');
  await page.getByLabel('Motivo').fill('Retiro voluntario por años de servicio');
  await page.getByRole('button', { name: 'Registrar el cambio' }).click();
  await expect(page.getByRole('alert')).toHaveText('no puede estar en el futuro');
  // The same refusal reads in English after the switch, and back.
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('alert')).toHaveText('cannot be in the future');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('alert')).toHaveText('no puede estar en el futuro');

  await page.getByLabel('Desde (fecha)').fill('2026-01-10');
  await page.getByRole('button', { name: 'Registrar el cambio' }).click();
  await expect(page.getByTestId('status-history')).toContainText('Retiro voluntario por años de servicio');
  await expect(page.getByTestId('status-history')).toContainText('retirado');
  await page.screenshot({ path: testInfo.outputPath('status-change.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an investigator adds a shift to a patrol car and sees why an overlapping one is refused', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/officers?status=active&sort=badge&page=2');
  const first = page.locator('[data-testid="officers"] tbody tr').first();
  const badge = await first.getAttribute('data-badge');
  await first.getByRole('link').click();
  await expect(page.getByTestId('officer-badge')).toHaveText(badge!);
  await hydrated(page);

  await page.getByText('Asignar a una patrulla').click();
  const form = page.getByTestId('assignment-form');
  await form.getByLabel('Patrulla (placa)').fill('PNC-0451');
  await form.getByLabel('Desde').fill('2026-01-05T06:00');
  await form.getByLabel('Hasta').fill('2026-01-05T18:00');
  await form.getByLabel('Función').selectOption('driver');
  await form.getByRole('button', { name: 'Registrar la asignación' }).click();
  await expect(page.locator('[data-testid="assignments"] tr[data-plate="PNC-0451"]')).toContainText('2026-01-05 06:00');

  // A second car in the middle of that shift: refused, with the reason
  // beside the field, and what was typed is still there. (The form stays
  // open after a success, for the next shift.)
  await expect(form.getByLabel('Patrulla (placa)')).toBeVisible();
  await form.getByLabel('Patrulla (placa)').fill('PNC-0452');
  await form.getByLabel('Desde').fill('2026-01-05T12:00');
  await form.getByLabel('Hasta').fill('2026-01-05T20:00');
  await form.getByRole('button', { name: 'Registrar la asignación' }).click();
  const message = form.locator('.field-error[data-field="from"]');
  await expect(message).toContainText('PNC-0451');
  await expect(message).toContainText('los turnos no pueden superponerse');
  await expect(form.getByLabel('Patrulla (placa)')).toHaveValue('PNC-0452');
  await expect(page.locator('[data-testid="assignments"] tr[data-plate="PNC-0452"]')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('assignment-overlap.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a supervisor records a failed polygraph and reads it on the file', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'supervisor');
  await page.goto('/officers?status=active&sort=badge&page=3');
  await page.locator('[data-testid="officers"] tbody tr a').first().click();
  await expect(page.getByTestId('officer-badge')).toBeVisible();
  await hydrated(page);
  await page.getByText('Registrar una prueba').click();
  const form = page.getByTestId('test-form');
  await form.getByLabel('Prueba').selectOption('polygraph');
  await form.getByLabel('Fecha').fill('2026-02-03');
  await form.getByLabel('Resultado').selectOption('fail');
  await form.getByLabel('Evaluador').fill('Lic. Ana Pérez');
  await form.getByLabel('Observaciones').fill('Reacciones significativas en preguntas sobre terceros.');
  await form.getByRole('button', { name: 'Registrar la prueba' }).click();
  const row = page.locator('[data-testid="tests"] tr[data-kind="polygraph"][data-result="fail"]', { hasText: '2026-02-03' });
  await expect(row).toContainText('reprobada');
  await expect(row).toContainText('Lic. Ana Pérez');
  await page.screenshot({ path: testInfo.outputPath('confidence-tests.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('an investigator imports shifts from a CSV file, and a bad file is reported row by row', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/officers?status=active&sort=badge&page=5');
  const badge = await page.locator('[data-testid="officers"] tbody tr').first().getAttribute('data-badge');
  await page.getByRole('navigation').getByRole('link', { name: 'Importar' }).click();
  await hydrated(page);
  await page.getByLabel('Contenido del archivo').selectOption('assignments');
  await expect(page.getByTestId('import-columns')).toHaveText('badge_number,vehicle,from,to,role');
  const header = 'badge_number,vehicle,from,to,role\n';
  await page.getByLabel('Archivo CSV (UTF-8)').setInputFiles({
    name: 'malos.csv', mimeType: 'text/csv',
    buffer: Buffer.from(header + `${badge},PNC-0451,2026-03-01T06:00,2026-03-01T18:00,pilot\n${badge},PNC-9999,2026-03-02T06:00,2026-03-02T18:00,crew\n`),
  });
  await page.getByRole('button', { name: 'Revisar e importar' }).click();
  const problems = page.getByTestId('import-problems');
  await expect(problems.locator('tbody tr')).toHaveCount(2);
  await expect(problems.locator('tbody tr').first()).toContainText('role');
  await expect(problems.locator('tbody tr').nth(1)).toContainText('ninguna patrulla tiene la placa PNC-9999');
  await page.screenshot({ path: testInfo.outputPath('import-refused.png'), fullPage: true });

  await page.getByLabel('Archivo CSV (UTF-8)').setInputFiles({
    name: 'buenos.csv', mimeType: 'text/csv',
    buffer: Buffer.from(header + `${badge},PNC-0451,2026-03-01T06:00,2026-03-01T18:00,driver\n${badge},PNC-0451,2026-03-02T06:00,2026-03-02T18:00,crew\n`),
  });
  await page.getByRole('button', { name: 'Revisar e importar' }).click();
  await expect(page.getByTestId('import-done')).toContainText('2 filas');
  await page.screenshot({ path: testInfo.outputPath('import-done.png'), fullPage: true });
  await page.goto(`/officers/${badge}`);
  await expect(page.locator('[data-testid="assignments"] tr[data-plate="PNC-0451"]')).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('the new-officer form refuses a badge number already in use, beside the field', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/officers?sort=badge');
  const taken = await page.locator('[data-testid="officers"] tbody tr').first().getAttribute('data-badge');
  await page.getByRole('link', { name: 'Nuevo agente' }).click();
  await hydrated(page);
  const form = page.getByTestId('officer-form');
  await form.getByLabel('Placa (NIP)').fill(taken!);
  await form.getByLabel('Nombres').fill('Ana Lucía');
  await form.getByLabel('Apellidos').fill('Pérez Xicará');
  await form.getByLabel('Grado').selectOption('agente');
  await form.getByLabel('Unidad').fill('13-02');
  await form.getByLabel('Fecha de alta').fill('2020-02-01');
  await form.getByRole('button', { name: 'Registrar al agente' }).click();
  await expect(form.locator('.field-error[data-field="badge_number"]')).toContainText('ya es el número de placa de');
  await expect(form.getByLabel('Nombres')).toHaveValue('Ana Lucía');
  await page.screenshot({ path: testInfo.outputPath('new-officer-refused.png'), fullPage: true });
  expect(errors).toEqual([]);
});
