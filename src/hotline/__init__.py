"""Hotline: a self-hosted call center + CRM for service companies."""
