import { test, expect } from '@playwright/test';
import { passwordOf } from './helpers';

// Before the wasm has loaded (or without it), forms are sent by the
// browser itself; the same-origin check must still recognise them.
test.use({ javaScriptEnabled: false });

test('a form sent by the browser itself, before hydration, is not taken for a cross-site request', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Usuario').fill('e2e-ministry');
  await page.getByLabel('Contraseña').fill(passwordOf('ministry'));
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.waitForLoadState();
  await expect(page.locator('body')).not.toContainText('cross-site request refused');
});
