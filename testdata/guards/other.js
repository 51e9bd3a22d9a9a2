self.addEventListener('push', (e) => console.log('other worker got: ' + e.data.text()));
