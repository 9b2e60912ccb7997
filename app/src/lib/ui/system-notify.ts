/**
 * A system notification, only when the user allowed them for this app: through
 * the service worker when there is one (an installed PWA on a phone shows
 * notifications no other way), else with the page's Notification. A failure is
 * swallowed: every caller also says it in the page.
 */
export async function systemNotify(title: string, body: string, tag: string): Promise<void> {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const reg = await navigator.serviceWorker?.getRegistration();
    if (reg) await reg.showNotification(title, { body, tag });
    else new Notification(title, { body, tag });
  } catch {
    // The page says it too.
  }
}
