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

test('an investigator records a suspension, with the reason, from the officer file', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/officers?status=active&sort=badge');
  const first = page.locator('[data-testid="officers"] tbody tr').first();
  const badge = await first.getAttribute('data-badge');
  await first.getByRole('link').click();
  await expect(page.getByTestId('officer-badge')).toHaveText(badge!);
  await hydrated(page);

  await page.getByLabel('Situación').selectOption('suspended');
  await page.getByLabel('Desde (fecha)').fill('2999-01-01');
  await page.getByLabel('Motivo').fill('Prueba de confianza reprobada');
  await page.getByRole('button', { name: 'Registrar el cambio' }).click();
  await expect(page.getByRole('alert')).toHaveText('cannot be in the future');

  await page.getByLabel('Desde (fecha)').fill('2026-01-10');
  await page.getByRole('button', { name: 'Registrar el cambio' }).click();
  await expect(page.getByTestId('status-history')).toContainText('Prueba de confianza reprobada');
  await expect(page.getByTestId('status-history')).toContainText('suspendido');
  await page.screenshot({ path: testInfo.outputPath('status-change.png'), fullPage: true });
  expect(errors).toEqual([]);
});
