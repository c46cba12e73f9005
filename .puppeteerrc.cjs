// @memlab/core (a dev-dependency used as a correctness oracle) pulls in puppeteer; we never
// need its browser, and downloading one is impossible offline.
module.exports = { skipDownload: true };
