"""Turns GuardDuty findings into Google Chat cards and delivers them."""
