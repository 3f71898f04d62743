"""Local stand-ins for Google Chat and GuardDuty, and the demo that joins them."""
