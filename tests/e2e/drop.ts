import type { Page } from '@playwright/test';

/** A file to drop: its name and content. */
export interface DroppedFile {
  name: string;
  content: Buffer;
}

/**
 * A real drag and drop of files onto the element `selector` finds (the window's content by default):
 * dragenter, dragover and drop with a DataTransfer holding Files, as a file manager's drag delivers them.
 */
export async function dropFiles(page: Page, files: DroppedFile[], selector = '.app-main'): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, b64: f.content.toString('base64') }));
  // Right after page.goto the app may not have rendered yet: a drop on a page without its handlers
  // is lost (seen once under load in CI), so wait for the target itself.
  await page.locator(selector).first().waitFor({ state: 'attached' });
  await page.evaluate(
    ({ payload, selector }) => {
      const dt = new DataTransfer();
      for (const f of payload) {
        const data = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([data], f.name, { type: f.name.endsWith('.tar') ? 'application/x-tar' : 'application/gzip' }));
      }
      const el = document.querySelector(selector);
      if (!el) throw new Error(`nothing matches ${selector}`);
      for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { payload, selector },
  );
}
