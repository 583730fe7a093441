// Placeholder until SluiceEmulatorTests lands.
