"""tocsin.store"""
