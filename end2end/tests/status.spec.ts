import { test, expect } from '@playwright/test';
import { backend, hydrated, signIn, watchErrors } from './helpers';

test('the status page asks for a sign-in first', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByText('Inicie sesión para ver el estado del sistema.')).toBeVisible();
  await expect(page.locator('[data-count="officers"]')).toHaveCount(0);
});

test('the status page shows the demo counts in Spanish', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Estado del sistema');

  const count = (key: string) => page.locator(`[data-count="${key}"] .stat-value`);
  await expect(count('regions')).toHaveText('22');
  await expect(count('stations')).toHaveText('138');
  await expect(count('officers')).toHaveText('4,000');
  await expect(count('vehicles')).toHaveText('1,300');
  await expect(count('cameras')).toHaveText('2,600');
  await expect(count('badges')).toHaveText('4,000');
  await expect(page.locator('[data-count="officers"] dt')).toHaveText('Agentes');
  await expect(page.getByTestId('backend')).toContainText(backend);

  await hydrated(page);
  await page.screenshot({ path: testInfo.outputPath('status-es.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the language switch works after hydration and is remembered', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await hydrated(page);

  const switcher = page.getByTestId('lang-switch');
  await expect(switcher).toHaveText('English');
  await switcher.click();
  // Only the hydrated wasm can change the text in place: no reload happens.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('System status');
  await expect(page.locator('[data-count="vehicles"] dt')).toHaveText('Patrol cars');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(switcher).toHaveText('Español');
  await page.screenshot({ path: testInfo.outputPath('status-en.png'), fullPage: true });

  // The choice survives a reload (the server renders English from the cookie).
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('System status');

  await hydrated(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Estado del sistema');
  expect(errors).toEqual([]);
});

test('a language chosen on a nested page holds on reload and on every other page', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'investigator');
  await page.goto('/account/password');
  await hydrated(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('lang-switch')).toHaveText('Español');
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('System status');
  // One cookie for the whole site, not one per folder.
  const cookies = (await page.context().cookies()).filter((c) => c.name === 'i18n_pref_locale');
  expect(cookies.map((c) => [c.path, c.value])).toEqual([['/', 'en']]);

  // Back to Spanish on the nested page: the whole site follows.
  await page.goto('/account/password');
  await hydrated(page);
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Estado del sistema');
  expect(errors).toEqual([]);
});

test('an unknown address shows the not-found page', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Página no encontrada');
});
