import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";

/** Debian's chromium; browser tests skip with this reason when it is absent. */
export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

/**
 * Starts headless Debian chromium with a fresh profile, no network services and no GPU.
 * WebGL2 still works here through chromium's software (SwiftShader) path.
 * `extraArgs` are appended (e.g. `--disable-3d-apis` to test the 2-D canvas fallback).
 */
export async function launchChromium(extraArgs: string[] = []): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "audiomap-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--enable-unsafe-swiftshader",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser };
