// A test script on disk, run in the page by `swhost run URL ./hello.js`.
console.log('hello from a local file at ' + location.href);
