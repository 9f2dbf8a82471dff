"""The open-data publisher: approved datasets, stripped of personal data, onto a portal.

The package imports nothing itself: a module that reads the publication specs or the
approvals does not pay for the publisher (opendata.publisher) and what it publishes with."""
