/**
 * Hands an HTML page to the browser as a download (browser mode and the desktop app alike: Electron
 * shows its save dialog for a download), so a report made by the core lands where the user saves files.
 */
export function saveHtmlFile(filename: string, html: string): void {
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by then; the blob is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
