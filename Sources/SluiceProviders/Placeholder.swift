// Placeholder until the SluiceProviders module lands.
