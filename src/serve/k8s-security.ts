// The security settings every pod mlc writes a manifest for runs with: a non-root user (the node
// image's uid 1000), no privilege escalation, no capabilities, the runtime's default seccomp profile,
// and a read-only root filesystem where the container writes nothing outside its mounted volumes.
import type { YamlValue } from "./yaml.js";

/** The `node` user of the node:20-slim image; numeric, so the kubelet can check runAsNonRoot. */
export const IMAGE_UID = 1000;

/** The pod-level securityContext. */
export function podSecurityContext(): Record<string, YamlValue> {
  return {
    runAsNonRoot: true,
    runAsUser: IMAGE_UID,
    runAsGroup: IMAGE_UID,
    fsGroup: IMAGE_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The container-level securityContext; `readOnlyRoot` when every path it writes is a mounted volume. */
export function containerSecurityContext(readOnlyRoot: boolean): Record<string, YamlValue> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: readOnlyRoot,
    capabilities: { drop: ["ALL"] },
  };
}

/** A writable emptyDir volume and its mount, for a path a read-only container still writes. */
export function scratchVolume(name: string, mountPath: string): { volume: YamlValue; mount: YamlValue } {
  return { volume: { name, emptyDir: {} }, mount: { name, mountPath } };
}
