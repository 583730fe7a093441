// Placeholder until SluiceCoreTests lands.
