"""tocsin.cli"""
