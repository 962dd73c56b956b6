"""Taawun: the platform on which technology cooperatives run themselves."""
