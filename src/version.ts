/** The one place the version lives (package.json, the manifest and the user agent are checked against it). */
export const VERSION = '0.1.0';
