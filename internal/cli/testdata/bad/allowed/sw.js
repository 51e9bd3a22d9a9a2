self.oninstall = () => {};
