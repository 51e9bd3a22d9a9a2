self.addEventListener('install', (e => {
