/**
 * Debian's Chromium driven by puppeteer-core: never a downloaded browser. The flags are the whole command
 * line (puppeteer's defaults are switched off): headless, no sandbox (tests run as root in CI), no GPU, no
 * background traffic of the browser's own, and a fresh profile per launch.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser } from 'puppeteer-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Why the browser tests cannot run here, or false when they can. */
export function browserSkipReason(): string | false {
  return existsSync(CHROMIUM)
    ? false
    : `Chromium is not installed at ${CHROMIUM} (infra/install.sh installs Debian's chromium package; or: apt-get install -y chromium)`
}

export interface LaunchedBrowser {
  readonly browser: Browser
  close(): Promise<void>
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'promotion-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: true,
    pipe: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--window-size=1400,1000',
      'about:blank',
    ],
    defaultViewport: { width: 1400, height: 1000 },
  })
  return {
    browser,
    async close() {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
