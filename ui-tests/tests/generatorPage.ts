import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';

/** The Dataset Generator panel as the Galata specs drive it (shared by its specs). */

export const panel = (page: IJupyterLabPageFixture) =>
  page.locator('#groundtrace-generator');
export const stageRow = (page: IJupyterLabPageFixture, stage: string) =>
  panel(page).locator(`.gt-stage[data-stage="${stage}"]`);

/** Opens the panel (palette command), widens the sidebar and waits for its kernel. */
export async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('groundtrace:open-generator')
  );
  await expect(panel(page)).toBeVisible();
  // a wider sidebar than the default, as a user running jobs would make it
  const box = (await panel(page).boundingBox())!;
  if (box.width < 380) {
    await page.mouse.move(box.x + box.width + 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 420, box.y + 200, { steps: 5 });
    await page.mouse.up();
  }
  await expect(panel(page).locator('.gt-kernel-badge')).toHaveText(
    'kernel ready',
    { timeout: 90_000 }
  );
}

/** A JSON file of the server's root, through the contents API. */
export async function readJson(
  page: IJupyterLabPageFixture,
  file: string
): Promise<any> {
  const response = await page.request.get(
    `/api/contents/${file}?content=1&type=file&format=text`
  );
  expect(response.ok(), `${file} is readable`).toBe(true);
  return JSON.parse((await response.json()).content);
}
