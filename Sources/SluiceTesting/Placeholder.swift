// Placeholder until the SluiceTesting module lands.
