"""Sensors: instrument discovery."""
