import { expect, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

// --- TOTP (RFC 6238), for the accounts whose roles require it ----------------

/** Secrets the tests set up, kept on disk so a restarted worker knows them. */
const secretsFile = join(__dirname, '..', 'test-results', `totp-${process.env.VIGIA_E2E_BACKEND ?? 'sqlite'}.json`);
type TotpState = Record<string, { secret: string; lastStep: number }>;
const loadSecrets = (): TotpState => (existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {});
function saveSecrets(state: TotpState) {
  mkdirSync(dirname(secretsFile), { recursive: true });
  writeFileSync(secretsFile, JSON.stringify(state));
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out: number[] = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function codeFor(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hash[19] & 0x0f;
  const binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

/** A code the server takes now and has not seen: waits for the next window if needed. */
async function freshCode(username: string): Promise<string> {
  const state = loadSecrets();
  const entry = state[username];
  if (!entry) throw new Error(`no second factor known for ${username}`);
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = [now, now + 1].find((s) => s > entry.lastStep);
    if (step !== undefined) {
      entry.lastStep = step;
      saveSecrets(state);
      return codeFor(entry.secret, step);
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** Sets up the second factor on the account page, as a person with an app would. */
async function enrolTotp(page: Page, username: string) {
  await page.goto('/account/totp');
  await hydrated(page);
  await page.getByRole('button', { name: 'Configurar' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.screenshot({ path: join(dirname(secretsFile), `totp-setup-${username}.png`), fullPage: true });
  const state = loadSecrets();
  state[username] = { secret, lastStep: -1 };
  saveSecrets(state);
  await page.getByLabel('Código de 6 dígitos').fill(await freshCode(username));
  await page.getByRole('button', { name: 'Confirmar' }).click();
  await expect(page.getByTestId('totp-enabled')).toBeVisible();
}

/** Signs in as the e2e account of `role` (setting up or using its second
 * factor when the role requires one) and waits for the status page. */
export async function signIn(page: Page, role: string) {
  const username = `e2e-${role}`;
  await submitSignIn(page, username, passwordOf(role));
  const codeField = page.getByLabel('Código de 6 dígitos');
  const account = page.getByTestId('account');
  await expect(codeField.or(account)).toBeVisible();
  if (await codeField.isVisible()) {
    await codeField.fill(await freshCode(username));
    await page.getByRole('button', { name: 'Entrar' }).click();
  }
  await expect(page).toHaveURL(/\/$/);
  await expect(account).toBeVisible();
  if (await page.getByTestId('must-enroll-totp').isVisible()) {
    await enrolTotp(page, username);
    await page.goto('/');
    await expect(page.getByTestId('must-enroll-totp')).toHaveCount(0);
  }
}
