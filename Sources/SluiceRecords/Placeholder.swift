// Placeholder until the SluiceRecords module lands.
