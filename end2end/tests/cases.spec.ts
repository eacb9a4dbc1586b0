import { test, expect, Browser, Page } from '@playwright/test';
import { hydrated, signIn, watchErrors } from './helpers';

async function as(browser: Browser, role: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, role);
  return page;
}

/** Screenshots of a page in Spanish and in English. */
async function bothLanguages(page: Page, name: string, outputPath: (n: string) => string) {
  await page.screenshot({ path: outputPath(`${name}-es.png`), fullPage: true });
  await page.getByTestId('lang-switch').click();
  await page.screenshot({ path: outputPath(`${name}-en.png`), fullPage: true });
  await page.getByTestId('lang-switch').click();
}

test('a case from a failed confidence test to the ministry\'s dismissal, seen by each role as the design says', async ({ browser }, testInfo) => {
  test.setTimeout(240_000);
  const shot = (n: string) => testInfo.outputPath(n);

  // The investigator records a failed polygraph on an officer's file and
  // opens a case from it.
  const inv = await as(browser, 'investigator');
  const errors = watchErrors(inv);
  await inv.goto('/officers?status=active&sort=badge&page=3');
  const row = inv.locator('[data-testid="officers"] tbody tr').first();
  const badge = (await row.getAttribute('data-badge'))!;
  await row.getByRole('link').click();
  await expect(inv.getByTestId('officer-badge')).toHaveText(badge);
  await hydrated(inv);
  await inv.getByText('Registrar una prueba').click();
  const testForm = inv.getByTestId('test-form');
  await testForm.getByLabel('Prueba', { exact: true }).selectOption('polygraph');
  await testForm.getByLabel('Fecha', { exact: true }).fill('2026-11-20');
  await testForm.getByLabel('Resultado').selectOption('fail');
  await testForm.getByLabel('Evaluador').fill('Lic. Marta Chen');
  await testForm.getByRole('button', { name: 'Registrar la prueba' }).click();
  await inv.locator('tr[data-result="fail"]').first().getByTestId('case-from-test').click();

  await expect(inv.getByLabel('Título')).toHaveValue(/Prueba de confianza no superada/);
  await expect(inv.getByLabel('NIP del investigado (opcional)')).toHaveValue(badge);
  // The test it opens from is named as the file names it, not by a number.
  await expect(inv.getByTestId('intake-test')).toContainText('poligráfica, 2026-11-20, reprobada');
  await hydrated(inv);
  await bothLanguages(inv, 'case-new', shot);
  await inv.getByLabel('Resumen').fill('El agente no superó el polígrafo del 20 de noviembre; hay denuncias de cobros en el puesto de control.');
  await inv.getByRole('button', { name: 'Abrir el caso' }).click();
  await expect(inv.getByTestId('case-status')).toHaveText('recepción');
  const number = ((await inv.locator('.case-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^IA-\d{4}-\d{6}$/);
  await expect(inv.locator(`[data-testid="subjects"] tr[data-badge="${badge}"]`)).toContainText('investigado');
  // The failed test the case opened from is its first evidence.
  await expect(inv.getByTestId('evidence')).toContainText('Prueba de confianza');
  await expect(inv.getByTestId('evidence')).toContainText('La prueba no superada que da origen al caso.');

  // An allegation, a note, and on to the supervisor.
  await hydrated(inv);
  const allegation = inv.getByTestId('allegation-form');
  await allegation.getByLabel('Tipo de alegación').selectOption('extortion');
  await allegation.getByRole('button', { name: 'Añadir alegación' }).click();
  await expect(inv.locator('li[data-allegation="extortion"]')).toContainText('pendiente');
  await inv.locator('form[data-move="start_investigation"] button').click();
  await expect(inv.getByTestId('case-status')).toHaveText('investigación');
  // A footage segment, found on the footage page, linked with a range
  // inside it and why.
  const local = (ms: number) => new Date(ms - 6 * 3600_000).toISOString().slice(0, 16);
  await inv.goto(`/footage?vehicle=PNC-0005&from=${local(Date.now() - 12 * 3600_000)}&to=${local(Date.now())}`);
  const segRow = inv.getByTestId('footage-table').locator('tbody tr').first();
  const segment = (await segRow.getAttribute('data-segment'))!;
  expect(segment).toBeTruthy();
  await inv.goto(`/cases/${number}`);
  await hydrated(inv);
  await inv.getByText('Vincular un segmento de video').click();
  const link = inv.getByTestId('link-footage-form');
  await link.getByLabel('Segmento').fill(segment);
  await link.getByLabel('Por qué importa (una frase)').fill('La cámara de cabina muestra el cobro al conductor.');
  await link.getByRole('button', { name: 'Vincular' }).click();
  await expect(inv.locator('[data-testid="evidence"] tbody tr')).toHaveCount(2);
  await expect(inv.getByTestId('evidence')).toContainText(segment);
  // The officer's badge track, opened from the case on the last eight
  // hours, and that window linked to the case in one action.
  await inv.locator(`[data-testid="subjects"] tr[data-badge="${badge}"]`).getByTestId('subject-track').click();
  await expect(inv.getByRole('heading', { level: 1 })).toContainText(badge);
  await hydrated(inv);
  const window = inv.getByTestId('link-window-form');
  await expect(window.getByLabel('Caso')).toHaveValue(number);
  await bothLanguages(inv, 'track-link', shot);
  await window.getByLabel('Por qué importa (una frase)').fill('Dónde estuvo la placa del agente en las últimas horas.');
  await window.getByRole('button', { name: 'Vincular' }).click();
  await expect(inv.getByTestId('window-linked')).toContainText(number);
  await inv.getByTestId('window-linked').getByRole('link').click();
  await expect(inv.locator('[data-testid="evidence"] tbody tr')).toHaveCount(3);
  await expect(inv.getByTestId('evidence')).toContainText('Recorrido de placa');
  await expect(inv.getByTestId('evidence').getByRole('link', { name: new RegExp(`^${badge} · `) })).toHaveAttribute('href', /\/track\?from=/);
  // A PDF, uploaded with why it matters.
  await hydrated(inv);
  const upload = inv.getByTestId('document-form');
  await upload.getByLabel('Por qué importa (una frase)').fill('Acta de la entrevista al conductor.');
  await upload.getByLabel('Archivo').setInputFiles({
    name: 'acta-entrevista.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nActa de entrevista\n%%EOF\n'),
  });
  await upload.getByRole('button', { name: 'Subir documento' }).click();
  await expect(inv.getByTestId('documents')).toContainText('acta-entrevista.pdf');
  await expect(inv.getByTestId('documents').locator('code.sha')).toHaveText(/^[0-9a-f]{64}$/);
  await inv.getByTestId('note-form').getByLabel('Nueva nota').fill('Se pidió la grabación de la cámara de cabina del turno.');
  await inv.getByTestId('note-form').getByRole('button', { name: 'Añadir nota' }).click();
  await expect(inv.getByTestId('notes')).toContainText('cámara de cabina');
  await inv.locator('form[data-move="send_to_review"] button').click();
  await expect(inv.getByTestId('case-status')).toHaveText('revisión de jefatura');
  await expect(inv.getByTestId('timeline')).toContainText('case.moved');
  // The details read in words, in the reader's language, and follow a switch.
  const moved = inv.locator('[data-testid="timeline"] tr[data-action="case.moved"]').last();
  await expect(moved.locator('.detail[data-key="to"]')).toHaveText('Hasta: revisión de jefatura');
  await hydrated(inv);
  await inv.getByTestId('lang-switch').click();
  await expect(moved.locator('.detail[data-key="to"]')).toHaveText(/^To: /);
  await expect(moved.locator('.detail[data-key="to"]')).not.toContainText('jefatura');
  await inv.getByTestId('lang-switch').click();
  await expect(moved.locator('.detail[data-key="to"]')).toHaveText('Hasta: revisión de jefatura');
  await bothLanguages(inv, 'case-file', shot);
  await inv.goto('/cases');
  await expect(inv.getByTestId('own-cases')).toBeVisible();
  await expect(inv.locator(`tr[data-case="${number}"]`)).toBeVisible();
  await bothLanguages(inv, 'cases', shot);

  // The supervisor records the finding, seals the case and sends it on.
  const sup = await as(browser, 'supervisor');
  await sup.goto(`/cases/${number}`);
  await hydrated(sup);
  const finding = sup.locator('li[data-allegation="extortion"]');
  await finding.getByLabel('Resultado').selectOption('sustained');
  await finding.getByRole('button', { name: 'Guardar resultado' }).click();
  await expect(sup.locator('li[data-allegation="extortion"]')).toHaveAttribute('data-finding', 'sustained');
  await sup.getByTestId('seal').click();
  await expect(sup.getByTestId('case-sealed')).toBeVisible();
  await sup.locator('form[data-move="send_to_ministry"] button').click();
  await expect(sup.getByTestId('case-status')).toHaveText('en el Ministerio');

  // The ministry finds it in its queue and decides a dismissal.
  const min = await as(browser, 'ministry');
  await min.getByRole('navigation').getByRole('link', { name: 'Por decidir' }).click();
  await expect(min.locator(`tr[data-case="${number}"]`)).toBeVisible();
  await bothLanguages(min, 'ministry-queue', shot);
  await min.locator(`tr[data-case="${number}"] a`).first().click();
  await hydrated(min);
  const decision = min.getByTestId('decision-form');
  await decision.getByLabel('Decisión').selectOption('dismissed');
  await decision.getByLabel('Fundamento').fill('Se comprobaron los cobros ilegales en el puesto de control.');
  await decision.getByRole('button', { name: 'Registrar la decisión' }).click();
  await expect(min.getByTestId('case-status')).toHaveText('resuelto');
  await expect(min.getByTestId('decision')).toContainText('destitución');

  // The officer's file shows the dismissal, its date and the case.
  await min.goto(`/officers/${badge}`);
  await expect(min.getByTestId('status-history')).toContainText('destituido');
  await expect(min.getByTestId('decided-by')).toHaveText(number);

  // Another investigator cannot find the sealed case: not in the list, not
  // by its number, not by its address.
  const other = await as(browser, 'investigator2');
  await other.goto(`/cases?assigned=all&q=${number}`);
  await expect(other.getByTestId('cases-total')).toContainText('Casos: 0');
  await other.goto(`/cases/${number}`);
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Página no encontrada');

  // The auditor reads all of it, with no control that writes.
  const aud = await as(browser, 'auditor');
  await aud.goto(`/cases/${number}`);
  await expect(aud.getByTestId('case-status')).toHaveText('resuelto');
  await expect(aud.getByTestId('read-only')).toBeVisible();
  await expect(aud.locator('main form')).toHaveCount(0);
  await expect(aud.getByTestId('timeline')).toContainText('case.decision_recorded');
  await expect(aud.getByTestId('timeline')).toContainText('case.evidence_linked');
  await expect(aud.getByTestId('timeline')).toContainText('case.document_added');
  // The document downloads as an attachment under its own name.
  const [download] = await Promise.all([
    aud.waitForEvent('download'),
    aud.getByTestId('document-link').click(),
  ]);
  expect(download.suggestedFilename()).toBe('acta-entrevista.pdf');
  expect(errors).toEqual([]);
});
