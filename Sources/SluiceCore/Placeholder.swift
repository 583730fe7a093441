// Placeholder until the SluiceCore module lands.
