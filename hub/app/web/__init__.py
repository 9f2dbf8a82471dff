"""The hub's public web pages: server-rendered HTML in Vietnamese, next to the API.

Pages call the same services the API calls (the Hub's reader, catalogue...), never the API over
HTTP. Every page works without JavaScript; scripts only draw charts and update live readings.
"""
