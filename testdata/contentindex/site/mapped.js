// A bundle's sourceMappingURL comment must not fail its compilation.
self.mapped = true;
//# sourceMappingURL=mapped.js.map
