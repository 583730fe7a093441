// Placeholder until SluiceJSONTests lands.
