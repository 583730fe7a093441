// Placeholder until SluiceHTTPTests lands.
