"""The web page for billing staff: one HTML page and its assets (static/), served by the job API."""
