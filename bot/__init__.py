"""Answers Google Chat interactions by acting on GuardDuty findings."""
