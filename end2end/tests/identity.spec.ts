import { test, expect } from '@playwright/test';
import { passwordOf, roles, signIn, submitSignIn, watchErrors } from './helpers';

// The roles as the header names them, in Spanish (the default language).
const roleNames: Record<string, string> = {
  investigator: 'investigación',
  supervisor: 'jefatura',
  ministry: 'ministerio',
  auditor: 'auditoría',
  monitor: 'supervisión de cámaras',
  admin: 'administración',
};

for (const role of roles) {
  test(`${role} signs in and sees what the role allows`, async ({ page }, testInfo) => {
    const errors = watchErrors(page);
    await signIn(page, role);
    await expect(page.getByTestId('account-roles')).toHaveAttribute('data-roles', role);
    await expect(page.getByTestId('account-roles')).toHaveText(roleNames[role]);
    const accountsLink = page.getByRole('navigation').getByRole('link', { name: 'Cuentas' });
    if (role === 'admin' || role === 'auditor') {
      await expect(accountsLink).toBeVisible();
    } else {
      await expect(accountsLink).toHaveCount(0);
    }
    await page.screenshot({ path: testInfo.outputPath(`signed-in-${role}.png`) });

    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByTestId('sign-in-link')).toBeVisible();
    expect(errors).toEqual([]);
  });
}

test('an auditor sees the accounts but no control that writes, and a crafted write is refused', async ({ page }, testInfo) => {
  await signIn(page, 'auditor');
  await page.getByRole('navigation').getByRole('link', { name: 'Cuentas' }).click();
  await expect(page.getByTestId('accounts')).toBeVisible();
  await expect(page.locator('tr[data-username="e2e-admin"]')).toBeVisible();
  await expect(page.getByRole('button')).toHaveText(['English', 'Cerrar sesión']);
  await expect(page.getByRole('heading', { name: 'Crear una cuenta' })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('accounts-auditor.png'), fullPage: true });

  // Same origin, so the request passes the cross-site check and reaches
  // the policy, which refuses it.
  const origin = new URL(page.url()).origin;
  const crafted = await page.request.post('/rpc/create_account', {
    form: { username: 'mole', display_name: 'Mole', roles: 'admin' },
    headers: { accept: 'application/json', origin },
  });
  expect(crafted.status()).toBe(403);
  expect(await crafted.text()).toContain('Forbidden');
});

test('an administrator creates an account and sees its password once', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'admin');
  await page.goto('/accounts');
  await page.getByLabel('Usuario', { exact: true }).fill('nuevo.investigador');
  await page.getByLabel('Nombre', { exact: true }).fill('Nuevo Investigador');
  await page.getByLabel('Roles', { exact: true }).fill('investigator');
  await page.getByRole('button', { name: 'Crear la cuenta' }).click();
  await expect(page.getByTestId('issued-password')).toContainText('nuevo.investigador');
  const row = page.locator('tr[data-username="nuevo.investigador"]');
  await expect(row).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('accounts-admin.png'), fullPage: true });

  // Give the new account a second role from its row.
  await page.getByLabel('Roles nuevo.investigador').fill('investigator,ministry');
  await row.getByRole('button', { name: 'Guardar roles' }).click();
  await expect(row).toContainText('investigación, ministerio');
  expect(errors).toEqual([]);
});

test('a locked-out user sees the same plain message as any refusal', async ({ page }, testInfo) => {
  const message = 'No se pudo iniciar sesión: el usuario o la contraseña no son correctos, o la cuenta está bloqueada o deshabilitada.';
  for (let i = 0; i < 5; i++) {
    await submitSignIn(page, 'e2e-locked', 'no es la contraseña');
    await expect(page.getByTestId('sign-in-error')).toHaveText(message);
  }
  await submitSignIn(page, 'e2e-locked', passwordOf('locked'));
  await expect(page.getByTestId('sign-in-error')).toHaveText(message);
  await page.screenshot({ path: testInfo.outputPath('locked-out.png') });

  await submitSignIn(page, 'nadie', 'tampoco existe');
  await expect(page.getByTestId('sign-in-error')).toHaveText(message);
});

test('an auditor searches the audit trail and exports it', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'auditor');
  await page.getByRole('navigation').getByRole('link', { name: 'Auditoría' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Registro de auditoría');
  await expect(page.locator('tr[data-action="sign_in"]').first()).toBeVisible();

  await page.getByLabel('Acción').fill('user.created');
  await page.getByRole('button', { name: 'Buscar' }).click();
  await expect(page).toHaveURL(/action=user.created/);
  // Only account creations are listed now, among them the seven e2e accounts.
  await expect(page.locator('tbody tr:not([data-action="user.created"])')).toHaveCount(0);
  await expect(page.locator('tbody tr', { hasText: 'user:e2e-admin' })).toHaveCount(1);
  await expect(page.locator('tbody tr', { hasText: 'user:e2e-locked' })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('audit-auditor.png'), fullPage: true });

  const download = page.waitForEvent('download');
  await page.getByTestId('audit-export').click();
  const csv = await download;
  expect(csv.suggestedFilename()).toBe('vigia-audit.csv');
  expect(errors).toEqual([]);
});

test('the audit link is only for those who may read the trail', async ({ page }) => {
  await signIn(page, 'monitor');
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Auditoría' })).toHaveCount(0);
  const res = await page.request.get('/audit/export.csv');
  expect(res.status()).toBe(403);
});

test('a supervisor signs in with the code of an authenticator app', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await signIn(page, 'supervisor'); // sets the second factor up on first use
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/sign-in$/);

  await submitSignIn(page, 'e2e-supervisor', passwordOf('supervisor'));
  await expect(page.getByLabel('Código de 6 dígitos')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('totp-prompt.png') });
  await page.getByLabel('Código de 6 dígitos').fill('000000');
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByTestId('sign-in-error')).toBeVisible();
  await signIn(page, 'supervisor');
  await expect(page.getByTestId('account-roles')).toHaveText('jefatura');
  expect(errors).toEqual([]);
});
