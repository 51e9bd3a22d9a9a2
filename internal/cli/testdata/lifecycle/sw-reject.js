self.oninstall = (e) => e.waitUntil(Promise.reject(new Error('precache failed')));
