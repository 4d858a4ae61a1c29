"""tocsin.plugins"""
