import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from './helpers';

// axe-core's rules, run on the pages as a signed-in person sees them: no
// serious or critical violation (such as links nested in the units tree's
// summaries, which keyboard and screen-reader users cannot reach as links).
async function seriousViolations(page: import('@playwright/test').Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

test('the units tree has no serious accessibility violation, open or closed', async ({ page }) => {
  await signIn(page, 'auditor');
  await page.goto('/units');
  await expect(page.locator('[data-testid="units"] > li')).toHaveCount(22);
  expect(await seriousViolations(page)).toEqual([]);
  await page.locator('li[data-unit="13"] summary').click();
  await expect(page.locator('li[data-unit="13"] .region-link a')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the case pages have no serious accessibility violation', async ({ page }) => {
  await signIn(page, 'supervisor');
  await page.goto('/cases?status=supervisor_review');
  await expect(page.locator('[data-testid="cases"] tbody tr').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.locator('[data-testid="cases"] tbody tr a').first().click();
  await expect(page.getByTestId('case-status')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.goto('/cases/new');
  await expect(page.getByTestId('case-form')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
