import { test, expect, type Page } from '@playwright/test';
import { passwordOf } from './helpers';

// Before the wasm has loaded (or without it), forms are sent by the
// browser itself; the same-origin check must still recognise them.
test.use({ javaScriptEnabled: false });

async function signInAsMinistry(page: Page) {
  await page.goto('/sign-in');
  await page.getByLabel('Usuario').fill('e2e-ministry');
  await page.getByLabel('Contraseña').fill(passwordOf('ministry'));
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.waitForLoadState();
}

test('a form sent by the browser itself, before hydration, is not taken for a cross-site request', async ({ page }) => {
  await signInAsMinistry(page);
  await expect(page.locator('body')).not.toContainText('cross-site request refused');
});

// Pages are rendered whole on the server: without JavaScript the officer
// list, a search and an officer's file are all there, in place.
test('without JavaScript, the officer list, a search and a file are readable', async ({ page }) => {
  await signInAsMinistry(page);

  await page.goto('/officers?status=active&sort=badge&page=3');
  const rows = page.getByTestId('officers').locator('tbody tr');
  await expect(rows).toHaveCount(50);
  await expect(page.getByText('3 /')).toBeVisible();
  const badge = await rows.first().getAttribute('data-badge');

  await page.goto(`/officers?q=${badge}`);
  await expect(page.getByTestId('officers').locator(`tbody tr[data-badge="${badge}"]`)).toHaveCount(1);

  await page.goto(`/officers/${badge}`);
  await expect(page.getByTestId('officer-badge')).toHaveText(badge!);
  await expect(page.getByTestId('officer-name')).not.toBeEmpty();
});
