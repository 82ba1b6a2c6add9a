// What allow_gpu grants: the device nodes of the NVIDIA, AMD (ROCm) and DRM drivers, read-write,
// and the driver's own files that live outside the system groups' read grants (ICD and
// profile configs, the NVIDIA proc interface), read-only. Only paths present on this machine.
import { readdirSync } from 'node:fs';
import type { Access } from '@nono/shared';

export interface GpuPath {
  path: string;
  access: Access;
}

const DEVICE_DIRS = ['/dev/dri', '/dev/nvidia-caps'];
const DEVICE_FILE = /^(nvidia\d+|nvidiactl|nvidia-uvm|nvidia-uvm-tools|nvidia-modeset|kfd)$/;
const DRIVER_FILES = [
  '/proc/driver/nvidia',
  '/usr/share/nvidia',
  '/usr/share/vulkan',
  '/usr/share/glvnd',
  '/usr/share/egl',
  '/etc/vulkan',
  '/etc/OpenCL',
  '/etc/nvidia',
  '/opt/rocm',
  '/sys/class/drm',
  '/sys/devices/virtual/kfd',
];

export function gpuPaths(): GpuPath[] {
  let devices: string[] = [];
  try {
    devices = readdirSync('/dev').filter((name) => DEVICE_FILE.test(name)).map((name) => `/dev/${name}`);
  } catch {
    // No /dev listing: only the fixed directories below are tried.
  }
  return [
    ...[...DEVICE_DIRS, ...devices].map((path) => ({ path, access: 'readwrite' as const })),
    ...DRIVER_FILES.map((path) => ({ path, access: 'read' as const })),
  ];
}
