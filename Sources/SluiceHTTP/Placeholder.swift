// Placeholder until the SluiceHTTP module lands.
