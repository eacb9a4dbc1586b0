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

// A form the browser sends itself (before hydration, or without
// JavaScript) comes back to the page it was on, with the message beside
// its field, not as a raw error answer.
test('without JavaScript, a refused form comes back with the message beside its field', async ({ page }) => {
  await signInAsMinistry(page);
  await page.goto('/account/password');
  await page.locator('#current_password').fill('no es la contraseña de nadie');
  await page.locator('#new_password').fill('una frase nueva bastante larga');
  await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
  await page.waitForLoadState();
  await expect(page).toHaveURL(/\/account\/password/);
  await expect(page.locator('#current_password ~ .field-error')).toContainText('no es su contraseña actual');
  await expect(page.locator('body')).not.toContainText('"Validation"');
});

// Signing out before the page hydrates lands on the sign-in page, as it
// does after, and the session is over.
test('without JavaScript, signing out lands on the sign-in page', async ({ page }) => {
  await signInAsMinistry(page);
  await page.goto('/officers');
  await page.getByRole('button', { name: 'Cerrar sesión' }).click();
  await page.waitForLoadState();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto('/officers');
  await expect(page.getByTestId('officers')).toHaveCount(0);
});
