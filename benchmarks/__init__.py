"""Repeatable performance and quality runs that write a report."""
