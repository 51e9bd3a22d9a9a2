self.oninstall = (e) => e.waitUntil(new Promise(() => {}));
