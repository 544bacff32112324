"""The credit policy as versioned data (``model``; shipped policies under ``policies/``). Imports only ``domain``."""
