// Placeholder until SluiceIntegrationTests lands.
