import { expect, Page } from '@playwright/test';

export const backend = process.env.VIGIA_E2E_BACKEND === 'postgres' ? 'PostgreSQL' : 'SQLite';

/** The accounts scripts/test creates: e2e-<role>, password "e2e <role> frase de prueba". */
export const roles = ['investigator', 'supervisor', 'ministry', 'auditor', 'monitor', 'admin'] as const;
export const passwordOf = (who: string) => `e2e ${who} frase de prueba`;

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // A refused request (401/403) is logged by the browser itself; the tests
    // that cause one say so.
    if (msg.text().startsWith('Failed to load resource')) return;
    errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return errors;
}

/** Waits until the wasm bundle has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
}

/** Fills and sends the sign-in form. */
export async function submitSignIn(page: Page, username: string, password: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Usuario').fill(username);
  await page.getByLabel('Contraseña').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
}

/** Signs in as the e2e account of `role` and waits for the status page. */
export async function signIn(page: Page, role: string) {
  await submitSignIn(page, `e2e-${role}`, passwordOf(role));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('account')).toBeVisible();
}
