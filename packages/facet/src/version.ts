export const FACET_VERSION = '0.1.0';
