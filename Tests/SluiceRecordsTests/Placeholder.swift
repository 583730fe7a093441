// Placeholder until SluiceRecordsTests lands.
