// Placeholder until the SluiceEmulator module lands.
