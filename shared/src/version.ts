// The version both binaries report; one place so they cannot disagree.
export const NONO_VERSION = '0.1.0';
