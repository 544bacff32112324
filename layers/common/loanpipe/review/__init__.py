"""The back office: the review queue, claims, field corrections and human decisions."""
