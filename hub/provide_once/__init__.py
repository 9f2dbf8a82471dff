"""The provide-once store: evidence citizens already gave, reused with consent, and who read it."""
