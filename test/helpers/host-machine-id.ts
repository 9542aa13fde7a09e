import { readFileSync } from 'node:fs';

/**
 * This host's machine id as the agent should find it (`/etc/machine-id`, else
 * `/var/lib/dbus/machine-id`; an empty file or systemd's `uninitialized` counts as missing), and
 * where it came from, for test titles. Minimal containers and some distributions have neither file:
 * `id` is then undefined and the agent must report no machine id rather than a made-up one.
 */
export function hostMachineId(): { id?: string; source: string } {
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    if (text !== '' && text !== 'uninitialized') return { id: text, source: path };
  }
  return { source: 'no /etc/machine-id or /var/lib/dbus/machine-id on this host' };
}
